import * as T from '../engine/index.js';
import type { Tensor } from '../engine/index.js';
import { Module } from './module.js';

/** Instance normalisation over D×H×W per sample and channel (no affine by default, as MONAI's UNETR). */
export class InstanceNorm3d extends Module {
  readonly weight: Tensor | undefined;
  readonly bias: Tensor | undefined;

  constructor(readonly channels: number, readonly options: { affine?: boolean; eps?: number } = {}) {
    super();
    if (options.affine) {
      this.weight = this.param('weight', T.ones([channels]));
      this.bias = this.param('bias', T.zeros([channels]));
    }
  }

  forward(x: Tensor): Tensor {
    return T.instanceNorm(x, this.weight, this.bias, { eps: this.options.eps ?? 1e-5 });
  }
}

export class BatchNorm3d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor;
  readonly runningMean: Tensor;
  readonly runningVar: Tensor;
  readonly numBatchesTracked: Tensor;

  constructor(readonly channels: number, readonly options: { momentum?: number; eps?: number } = {}) {
    super();
    this.weight = this.param('weight', T.ones([channels]));
    this.bias = this.param('bias', T.zeros([channels]));
    this.runningMean = this.buffer('running_mean', T.zeros([channels]));
    this.runningVar = this.buffer('running_var', T.ones([channels]));
    this.numBatchesTracked = this.buffer('num_batches_tracked', T.zeros([], { dtype: 'int64' }));
  }

  forward(x: Tensor): Tensor {
    if (this.training) T.noGrad(() => this.numBatchesTracked.add_(1));
    return T.batchNorm(x, this.weight, this.bias, {
      runningMean: this.runningMean,
      runningVar: this.runningVar,
      training: this.training,
      momentum: this.options.momentum ?? 0.1,
      eps: this.options.eps ?? 1e-5,
    });
  }
}
