import * as T from '../engine/index.js';
import type { Tensor } from '../engine/index.js';
import { Module } from './module.js';
import { fanIn, uniformFanIn_ } from './init.js';

export class Linear extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | undefined;

  constructor(readonly inFeatures: number, readonly outFeatures: number, options: { bias?: boolean } = {}) {
    super();
    this.weight = this.param('weight', T.empty([outFeatures, inFeatures]));
    uniformFanIn_(this.weight, fanIn(this.weight));
    if (options.bias ?? true) {
      this.bias = this.param('bias', T.empty([outFeatures]));
      uniformFanIn_(this.bias, inFeatures);
    }
  }

  forward(x: Tensor): Tensor {
    return T.linear(x, this.weight, this.bias);
  }
}
