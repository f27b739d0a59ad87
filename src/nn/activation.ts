import * as T from '../engine/index.js';
import type { Tensor } from '../engine/index.js';
import { Module } from './module.js';

/** GELU with the exact erf form (PyTorch's default). */
export class GELU extends Module {
  forward(x: Tensor): Tensor {
    return T.gelu(x);
  }
}

export class LeakyReLU extends Module {
  constructor(readonly negativeSlope = 0.01) {
    super();
  }

  forward(x: Tensor): Tensor {
    return T.leakyRelu(x, this.negativeSlope);
  }
}
