// Pre-training checkpoints: one safetensors file holding the student, the
// teacher, the optimizer state, the centres and the RNG states, with the step,
// options and configuration as JSON metadata. Written atomically.
import type { Tensor } from '../engine/index.js';
import * as T from '../engine/index.js';
import type { OptimizerState } from '../engine/optim/index.js';

export const CHECKPOINT_FORMAT = 'smit-pretrain-checkpoint/1';

export interface PretrainState {
  student: Map<string, Tensor>;
  teacher: Map<string, Tensor>;
  optimizer: OptimizerState;
  centerCls: Tensor;
  centerPatch: Tensor;
  torchRng: Tensor;
  meta: {
    step: number;
    dataRng: { state: number; spareNormal: number | null };
    options: unknown;
    config: unknown;
  };
}

export function writePretrainCheckpoint(path: string, s: PretrainState): void {
  const tensors: [string, Tensor][] = [
    ...[...s.student].map(([k, t]): [string, Tensor] => [`student.${k}`, t]),
    ...[...s.teacher].map(([k, t]): [string, Tensor] => [`teacher.${k}`, t]),
    ...[...s.optimizer.tensors].map(([k, t]): [string, Tensor] => [`optim.${k}`, t]),
    ['center_cls', s.centerCls],
    ['center_patch', s.centerPatch],
    ['rng.torch', s.torchRng],
  ];
  T.saveSafetensors(path, tensors, {
    format: CHECKPOINT_FORMAT,
    state: JSON.stringify({ ...s.meta, optimizer: s.optimizer.meta }),
  });
}

export function readPretrainCheckpoint(path: string): PretrainState {
  const { tensors, metadata } = T.loadSafetensors(path);
  if (metadata.format !== CHECKPOINT_FORMAT) {
    throw new Error(`${path}: not a smit pre-training checkpoint (format '${metadata.format ?? 'none'}')`);
  }
  const meta = JSON.parse(metadata.state);
  const pick = (prefix: string) =>
    new Map([...tensors].filter(([k]) => k.startsWith(prefix)).map(([k, t]): [string, Tensor] => [k.slice(prefix.length), t]));
  const required = (name: string) => {
    const t = tensors.get(name);
    if (t === undefined) throw new Error(`${path}: checkpoint lacks '${name}'`);
    return t;
  };
  return {
    student: pick('student.'),
    teacher: pick('teacher.'),
    optimizer: { tensors: pick('optim.'), meta: meta.optimizer },
    centerCls: required('center_cls'),
    centerPatch: required('center_patch'),
    torchRng: required('rng.torch'),
    meta: { step: meta.step, dataRng: meta.dataRng, options: meta.options, config: meta.config },
  };
}
