// Pre-training schedules (SMIT-SPEC §2) as pure functions of epoch or step,
// so a resumed run recomputes exactly the values it would have had.

/** numpy.linspace(start, end, count)[i], as the official temperature schedules use. */
function linspace(start: number, end: number, count: number, i: number): number {
  return count <= 1 ? start : start + ((end - start) * i) / (count - 1);
}

export interface TeacherTempOptions {
  warmup: number; // 0.04
  final: number; // 0.07
  warmupEpochs: number; // 30
}

/** ITD teacher temperature: linear warmup → final over the first warmupEpochs epochs, then final. */
export function teacherTempCls(epoch: number, o: TeacherTempOptions): number {
  return epoch < o.warmupEpochs ? linspace(o.warmup, o.final, o.warmupEpochs, epoch) : o.final;
}

/** MPD teacher temperature: warmup for `startEpoch` epochs, then linear → final over warmupEpochs, then final. */
export function teacherTempPatch(epoch: number, o: TeacherTempOptions & { startEpoch: number }): number {
  if (epoch < o.startEpoch) return o.warmup;
  return teacherTempCls(epoch - o.startEpoch, o);
}

/** Teacher EMA momentum over global steps: cosine from `base` to 1 (the published code indexed it per epoch step). */
export function emaMomentum(step: number, totalSteps: number, base: number): number {
  const progress = Math.min(1, step / Math.max(1, totalSteps));
  return 1 - ((1 - base) * (Math.cos(Math.PI * progress) + 1)) / 2;
}
