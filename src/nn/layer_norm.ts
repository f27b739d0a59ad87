import * as T from '../engine/index.js';
import type { Tensor } from '../engine/index.js';
import { Module } from './module.js';

export class LayerNorm extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor;

  constructor(readonly dim: number, readonly eps = 1e-5) {
    super();
    this.weight = this.param('weight', T.ones([dim]));
    this.bias = this.param('bias', T.zeros([dim]));
  }

  forward(x: Tensor): Tensor {
    return T.layerNorm(x, [this.dim], this.weight, this.bias, { eps: this.eps });
  }
}
