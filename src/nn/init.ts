// Initialisations, matching torch.nn.init.
import * as T from '../engine/index.js';
import type { Tensor } from '../engine/index.js';

/** fan_in as torch computes it: size(1) × receptive field. */
export function fanIn(weight: Tensor): number {
  const shape = weight.shape;
  return shape.slice(1).reduce((a, b) => a * b, 1);
}

/** PyTorch's default for Linear/Conv weights and biases: U(−1/√fan_in, 1/√fan_in). */
export function uniformFanIn_(tensor: Tensor, fan: number): Tensor {
  const bound = fan > 0 ? 1 / Math.sqrt(fan) : 0;
  return T.noGrad(() => tensor.uniform_(-bound, bound));
}

export function truncNormal_(tensor: Tensor, std = 0.02): Tensor {
  return T.noGrad(() => tensor.truncNormal_(0, std, -2, 2));
}

export function constant_(tensor: Tensor, value: number): Tensor {
  return T.noGrad(() => tensor.fill_(value));
}
