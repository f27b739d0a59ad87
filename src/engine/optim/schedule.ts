// Learning-rate schedules as pure functions of the step, so a resumed run
// recomputes exactly the value it would have had.

/**
 * Linear warm-up from `warmupStart` to `base` over `warmupSteps` (reaching
 * `base` on the last warm-up step), then cosine to `final` at `totalSteps` —
 * the curve of LinearWarmupCosineAnnealingLR, which the official SMIT scripts
 * step once per epoch; here it is evaluated at any step.
 */
export function warmupCosine(
  step: number,
  o: { base: number; final?: number; warmupSteps: number; totalSteps: number; warmupStart?: number },
): number {
  const final = o.final ?? 0;
  const start = o.warmupStart ?? 0;
  if (step < o.warmupSteps) return o.warmupSteps === 1 ? o.base : start + ((o.base - start) * step) / (o.warmupSteps - 1);
  const span = Math.max(1, o.totalSteps - o.warmupSteps);
  const progress = Math.min(1, (step - o.warmupSteps) / span);
  return final + 0.5 * (o.base - final) * (1 + Math.cos(Math.PI * progress));
}

/** Multiplies `base` by `gamma` every `stepSize` steps. */
export function stepDecay(step: number, o: { base: number; stepSize: number; gamma?: number }): number {
  return o.base * (o.gamma ?? 0.1) ** Math.floor(step / o.stepSize);
}
