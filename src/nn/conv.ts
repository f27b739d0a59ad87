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

/**
 * Weight and bias of a 3-D convolution with PyTorch's default initialisation
 * (bound from the weight's fan-in for both). `weightShape` differs between a
 * convolution [out, in/groups, k³] and a transposed one [in, out/groups, k³].
 */
abstract class ConvBase<O extends { groups: number }> extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | undefined;

  constructor(readonly options: O, weightShape: number[], outChannels: number, bias: boolean) {
    super();
    this.weight = this.param('weight', T.empty(weightShape));
    uniformFanIn_(this.weight, fanIn(this.weight));
    if (bias) {
      this.bias = this.param('bias', T.empty([outChannels]));
      uniformFanIn_(this.bias, fanIn(this.weight));
    }
  }
}

type ConvSettings = Required<Omit<ConvOptions, 'bias'>>;

export class Conv3d extends ConvBase<ConvSettings> {
  constructor(inChannels: number, outChannels: number, k: number, { bias = true, ...options }: ConvOptions = {}) {
    const o = { stride: 1, padding: 0, dilation: 1, groups: 1, ...options };
    super(o, [outChannels, inChannels / o.groups, k, k, k], outChannels, bias);
  }

  forward(x: Tensor): Tensor {
    return T.conv3d(x, this.weight, this.bias, this.options);
  }
}

export class ConvTranspose3d extends ConvBase<ConvSettings & { outputPadding: number }> {
  constructor(
    inChannels: number,
    outChannels: number,
    k: number,
    { bias = true, ...options }: ConvOptions & { outputPadding?: number } = {},
  ) {
    const o = { stride: 1, padding: 0, dilation: 1, groups: 1, outputPadding: 0, ...options };
    super(o, [inChannels, outChannels / o.groups, k, k, k], outChannels, bias);
  }

  forward(x: Tensor): Tensor {
    return T.convTranspose3d(x, this.weight, this.bias, this.options);
  }
}
