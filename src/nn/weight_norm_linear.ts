import * as T from '../engine/index.js';
import type { Tensor } from '../engine/index.js';
import { Module } from './module.js';
import { fanIn, uniformFanIn_ } from './init.js';

/**
 * A bias-free Linear under weight normalisation (torch.nn.utils.weight_norm,
 * dim 0): weight = g · v / ‖v‖ per output row, stored as `weight_g` [out, 1]
 * and `weight_v` [out, in]. `fixedNorm` keeps g at 1 and untrained, as the
 * iBOT heads do.
 */
export class WeightNormLinear extends Module {
  readonly weightG: Tensor;
  readonly weightV: Tensor;

  constructor(inFeatures: number, outFeatures: number, options: { fixedNorm?: boolean } = {}) {
    super();
    const v = T.empty([outFeatures, inFeatures]);
    uniformFanIn_(v, fanIn(v));
    const g = T.noGrad(() => v.norm(2, 1, true));
    this.weightG = this.param('weight_g', g);
    this.weightV = this.param('weight_v', v);
    if (options.fixedNorm) {
      T.noGrad(() => this.weightG.fill_(1));
      this.weightG.requiresGrad_(false);
    }
  }

  weight(): Tensor {
    return this.weightV.mul(this.weightG.div(this.weightV.norm(2, 1, true)));
  }

  forward(x: Tensor): Tensor {
    return T.linear(x, this.weight());
  }
}
