import type { Tensor } from '../engine/index.js';
import type { Module } from '../nn/index.js';

/** Which parameters weight decay spares: none (the official SMIT code: AdamW on every parameter) or iBOT's biases and norms. */
export type WeightDecayExempt = 'none' | 'biases-and-norms';

export interface NamedParamGroup {
  name: 'decayed' | 'exempt';
  params: Tensor[];
}

/** The student's trainable parameters as named optimizer groups; `exempt` is absent when nothing is exempt. */
export function pretrainParamGroups(model: Module, exempt: WeightDecayExempt): NamedParamGroup[] {
  const trainable = model.namedParameters().filter(([, p]) => p.requiresGrad);
  if (exempt === 'none') return [{ name: 'decayed', params: trainable.map(([, p]) => p) }];
  const spared = ([k, p]: [string, Tensor]) => k.endsWith('.bias') || p.ndim <= 1;
  return [
    { name: 'decayed', params: trainable.filter((e) => !spared(e)).map(([, p]) => p) },
    { name: 'exempt', params: trainable.filter(spared).map(([, p]) => p) },
  ];
}
