import * as T from '../engine/index.js';
import type { Tensor } from '../engine/index.js';
import { Module } from './module.js';

export class Dropout extends Module {
  constructor(readonly p = 0.5) {
    super();
  }

  forward(x: Tensor): Tensor {
    return this.p > 0 && this.training ? T.dropout(x, this.p, true) : x;
  }
}

/** Stochastic depth: drops a whole residual branch per sample, scaling the kept ones by 1/(1−p). */
export class DropPath extends Module {
  constructor(readonly p = 0) {
    super();
  }

  forward(x: Tensor): Tensor {
    if (this.p === 0 || !this.training) return x;
    const keep = 1 - this.p;
    const shape = [x.size(0), ...x.shape.slice(1).map(() => 1)];
    const mask = T.rand(shape, { dtype: x.dtype, device: x.device }).add_(keep).floor();
    return x.div(keep).mul(mask);
  }
}
