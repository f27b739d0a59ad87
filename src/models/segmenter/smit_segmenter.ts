import * as T from '../../engine/index.js';
import type { Tensor } from '../../engine/index.js';
import { Module } from '../../nn/index.js';
import { SwinEncoder3D } from '../swin/encoder.js';
import { type SmitConfig, bottleneckDim } from '../smit/config.js';
import { UnetOutBlock, UnetrBasicBlock, UnetrUpBlock } from './unet_blocks.js';

/**
 * SMIT's segmentation network (UNETR / SwinUNETR style): residual conv
 * encoders on the image and on stage outputs 0–2 and the bottleneck, stage
 * output 3 as the deepest skip, and five up-sampling decoder blocks.
 */
export class SmitSegmenter extends Module {
  readonly transformer: SwinEncoder3D;
  readonly encoder1: UnetrBasicBlock;
  readonly encoder2: UnetrBasicBlock;
  readonly encoder3: UnetrBasicBlock;
  readonly encoder4: UnetrBasicBlock;
  readonly encoder10: UnetrBasicBlock;
  readonly decoder5: UnetrUpBlock;
  readonly decoder4: UnetrUpBlock;
  readonly decoder3: UnetrUpBlock;
  readonly decoder2: UnetrUpBlock;
  readonly decoder1: UnetrUpBlock;
  readonly out: UnetOutBlock;

  constructor(readonly config: SmitConfig) {
    super();
    // The decoder joins each stage output (embedDim·2^i channels) with its own
    // blocks (featureSize·2^i), so the two must agree, as in the official network (48).
    if (config.featureSize !== config.embedDim) throw new Error(`featureSize ${config.featureSize} must equal embedDim ${config.embedDim} (the decoder joins the encoder's stage outputs)`);
    const f = config.featureSize;
    const c = config.embedDim;
    this.transformer = this.module('transformer', new SwinEncoder3D({ ...config, maskToken: false }));
    this.encoder1 = this.module('encoder1', new UnetrBasicBlock(config.inChannels, f));
    this.encoder2 = this.module('encoder2', new UnetrBasicBlock(c, f));
    this.encoder3 = this.module('encoder3', new UnetrBasicBlock(2 * c, 2 * f));
    this.encoder4 = this.module('encoder4', new UnetrBasicBlock(4 * c, 4 * f));
    this.encoder10 = this.module('encoder10', new UnetrBasicBlock(bottleneckDim(config), 16 * f));
    this.decoder5 = this.module('decoder5', new UnetrUpBlock(16 * f, 8 * f));
    this.decoder4 = this.module('decoder4', new UnetrUpBlock(8 * f, 4 * f));
    this.decoder3 = this.module('decoder3', new UnetrUpBlock(4 * f, 2 * f));
    this.decoder2 = this.module('decoder2', new UnetrUpBlock(2 * f, f));
    this.decoder1 = this.module('decoder1', new UnetrUpBlock(f, f));
    this.out = this.module('out', new UnetOutBlock(f, config.classes));
  }

  /**
   * x: [B, C, D, H, W] → class logits [B, classes, D, H, W]. Each feature map
   * is released as soon as its consumer has run (autograd keeps what it needs),
   * so peak memory is that of the widest moment, not of the whole pass.
   */
  forward(x: Tensor): Tensor {
    return T.tidy(() => {
      const { stages, merged } = this.transformer.forward(x);
      const bottleneck = merged[merged.length - 1].permute([0, 4, 1, 2, 3]);
      const dec4 = T.consuming([bottleneck, ...merged], () => this.encoder10.forward(bottleneck));
      const dec3 = T.consuming([dec4, stages[3]], () => this.decoder5.forward(dec4, stages[3]));
      const enc3 = T.consuming([stages[2]], () => this.encoder4.forward(stages[2]));
      const dec2 = T.consuming([dec3, enc3], () => this.decoder4.forward(dec3, enc3));
      const enc2 = T.consuming([stages[1]], () => this.encoder3.forward(stages[1]));
      const dec1 = T.consuming([dec2, enc2], () => this.decoder3.forward(dec2, enc2));
      const enc1 = T.consuming([stages[0]], () => this.encoder2.forward(stages[0]));
      const dec0 = T.consuming([dec1, enc1], () => this.decoder2.forward(dec1, enc1));
      const enc0 = this.encoder1.forward(x);
      const out = T.consuming([dec0, enc0], () => this.decoder1.forward(dec0, enc0));
      return T.consuming([out], () => this.out.forward(out));
    });
  }
}
