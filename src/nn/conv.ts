import * as T from '../engine/index.js';
import type { Tensor } from '../engine/index.js';
import { Module } from './module.js';
import { fanIn, uniformFanIn_ } from './init.js';

export interface ConvOptions {
  stride?: number;
  padding?: number;
  dilation?: number;
  groups?: number;
  bias?: boolean;
}

export class Conv3d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | undefined;
  readonly options: Required<Omit<ConvOptions, 'bias'>>;

  constructor(inChannels: number, outChannels: number, kernelSize: number, options: ConvOptions = {}) {
    super();
    this.options = { stride: 1, padding: 0, dilation: 1, groups: 1, ...options };
    const k = kernelSize;
    this.weight = this.param('weight', T.empty([outChannels, inChannels / this.options.groups, k, k, k]));
    uniformFanIn_(this.weight, fanIn(this.weight));
    if (options.bias ?? true) {
      this.bias = this.param('bias', T.empty([outChannels]));
      uniformFanIn_(this.bias, fanIn(this.weight));
    }
  }

  forward(x: Tensor): Tensor {
    return T.conv3d(x, this.weight, this.bias, this.options);
  }
}

export class ConvTranspose3d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | undefined;
  readonly options: Required<Omit<ConvOptions, 'bias'>> & { outputPadding: number };

  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: number,
    options: ConvOptions & { outputPadding?: number } = {},
  ) {
    super();
    this.options = { stride: 1, padding: 0, dilation: 1, groups: 1, outputPadding: 0, ...options };
    const k = kernelSize;
    this.weight = this.param('weight', T.empty([inChannels, outChannels / this.options.groups, k, k, k]));
    uniformFanIn_(this.weight, fanIn(this.weight));
    if (options.bias ?? true) {
      this.bias = this.param('bias', T.empty([outChannels]));
      uniformFanIn_(this.bias, fanIn(this.weight));
    }
  }

  forward(x: Tensor): Tensor {
    return T.convTranspose3d(x, this.weight, this.bias, this.options);
  }
}
