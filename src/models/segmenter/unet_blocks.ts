// The convolutional blocks of the UNETR-style decoder (MONAI's UnetResBlock,
// UnetrBasicBlock, UnetrUpBlock, UnetOutBlock), with their state-dict names.
import * as T from '../../engine/index.js';
import type { Tensor } from '../../engine/index.js';
import { Conv3d, ConvTranspose3d, InstanceNorm3d, Module } from '../../nn/index.js';

const leakyRelu = (t: Tensor) => T.leakyRelu(t, 0.01);

/** MONAI wraps each convolution in a `Convolution` whose layer is named `conv`. */
class ConvUnit extends Module {
  readonly conv: Conv3d | ConvTranspose3d;

  constructor(cin: number, cout: number, kernel: number, options: { transposed?: boolean; bias?: boolean } = {}) {
    super();
    this.conv = this.module(
      'conv',
      options.transposed
        ? new ConvTranspose3d(cin, cout, kernel, { stride: kernel, bias: options.bias ?? false })
        : new Conv3d(cin, cout, kernel, { padding: Math.floor(kernel / 2), bias: options.bias ?? false }),
    );
  }

  forward(x: Tensor): Tensor {
    return this.conv.forward(x);
  }
}

/** 3³ conv → norm → LeakyReLU → 3³ conv → norm, + (1³ conv → norm) shortcut when widths differ, → LeakyReLU. */
export class UnetResBlock extends Module {
  readonly conv1: ConvUnit;
  readonly conv2: ConvUnit;
  readonly conv3: ConvUnit | undefined;
  readonly norm = new InstanceNorm3d(0);

  constructor(cin: number, cout: number) {
    super();
    this.conv1 = this.module('conv1', new ConvUnit(cin, cout, 3));
    this.conv2 = this.module('conv2', new ConvUnit(cout, cout, 3));
    if (cin !== cout) this.conv3 = this.module('conv3', new ConvUnit(cin, cout, 1));
  }

  forward(x: Tensor): Tensor {
    return T.tidy(() => this.#forward(x));
  }

  // Full-resolution maps are the decoder's largest: each is released once consumed.
  #forward(x: Tensor): Tensor {
    const norm = (t: Tensor) => this.norm.forward(t);
    const main = T.pipe(x, (t) => this.conv1.forward(t), norm, leakyRelu, (t) => this.conv2.forward(t), norm);
    const shortcut = this.conv3 ? T.pipe(x, (t) => this.conv3!.forward(t), norm) : undefined;
    const sum = T.consuming([main, shortcut], () => main.add(shortcut ?? x));
    return T.consuming([sum], () => leakyRelu(sum));
  }
}

export class UnetrBasicBlock extends Module {
  readonly layer: UnetResBlock;

  constructor(cin: number, cout: number) {
    super();
    this.layer = this.module('layer', new UnetResBlock(cin, cout));
  }

  forward(x: Tensor): Tensor {
    return this.layer.forward(x);
  }
}

/** 2× transposed-conv upsampling, concatenation with the skip, residual block. */
export class UnetrUpBlock extends Module {
  readonly transpConv: ConvUnit;
  readonly convBlock: UnetResBlock;

  constructor(cin: number, cout: number) {
    super();
    this.transpConv = this.module('transp_conv', new ConvUnit(cin, cout, 2, { transposed: true }));
    this.convBlock = this.module('conv_block', new UnetResBlock(2 * cout, cout));
  }

  forward(x: Tensor, skip: Tensor): Tensor {
    return T.tidy(() => {
      const up = this.transpConv.forward(x);
      const joined = T.consuming([up], () => T.cat([up, skip], 1));
      return T.consuming([joined], () => this.convBlock.forward(joined));
    });
  }
}

export class UnetOutBlock extends Module {
  readonly conv: ConvUnit;

  constructor(cin: number, classes: number) {
    super();
    this.conv = this.module('conv', new ConvUnit(cin, classes, 1, { bias: true }));
  }

  forward(x: Tensor): Tensor {
    return this.conv.forward(x);
  }
}
