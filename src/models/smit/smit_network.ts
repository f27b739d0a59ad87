import * as T from '../../engine/index.js';
import type { Tensor } from '../../engine/index.js';
import { Conv3d, LayerNorm, Module } from '../../nn/index.js';
import { type SwinFeatures, SwinEncoder3D, encoderStride } from '../swin/encoder.js';
import { type SmitConfig, bottleneckDim, tokenDim } from './config.js';
import { IBOTHead } from './ibot_head.js';

export interface SmitOutput {
  /** Global-token logits [B, 1, K]. */
  cls: Tensor;
  /** Patch-token logits [B, N, K] for the N tokens after the third merging. */
  patch: Tensor;
  /** Masked-image reconstruction [B, 1, D, H, W] (student only). */
  reconstruction?: Tensor;
  /** The backbone's stage outputs, when asked for (parity checks); otherwise released as soon as the heads have run. */
  features?: SwinFeatures;
}

/**
 * SMIT's pre-training network: the Swin backbone, iBOT heads on the tokens
 * after the third merging (patch tokens) and on their mean (global token),
 * and the SimMIM reconstruction head on the bottleneck. The student has a
 * mask token; the teacher, the same network without it, follows by EMA.
 */
export class SmitNetwork extends Module {
  readonly transformer: SwinEncoder3D;
  readonly decoder1: Conv3d;
  readonly norm: LayerNorm;
  readonly headGroup: IBOTHead;
  readonly headCls: IBOTHead;
  readonly stride: number;

  constructor(readonly config: SmitConfig, readonly role: 'student' | 'teacher') {
    super();
    this.stride = encoderStride(config);
    this.transformer = this.module('transformer', new SwinEncoder3D({ ...config, maskToken: role === 'student' }));
    this.decoder1 = this.module('decoder1', new Conv3d(bottleneckDim(config), this.stride ** 3 * config.inChannels, 1));
    this.norm = this.module('norm', new LayerNorm(tokenDim(config), 1e-6));
    const head = () => new IBOTHead(tokenDim(config), config.headHidden, config.headBottleneck, config.outDim);
    this.headGroup = this.module('head_group', head());
    this.headCls = this.module('head_cls', head());
  }

  /** x: [B, C, D, H, W]; mask: token-level [B, D/p, H/p, W/p] (student only). */
  forward(x: Tensor, mask?: Tensor, options: { reconstruct?: boolean; features?: boolean } = {}): SmitOutput {
    const features = this.transformer.forward(x, mask);
    const merged = features.merged;
    const tokens = T.tidy(() => this.norm.forward(merged[merged.length - 2].flatten(1, 3)));
    const patch = this.headGroup.forward(tokens);
    const cls = T.consuming([tokens], () => T.tidy(() => this.headCls.forward(tokens.mean(1, true))));
    const out: SmitOutput = { cls, patch };
    if (options.reconstruct ?? this.role === 'student') out.reconstruction = this.reconstruct(merged[merged.length - 1]);
    // Autograd keeps what backward needs; the handles would hold the rest (the teacher's maps through the whole student step).
    if (options.features) out.features = features;
    else T.dispose([...features.stages, ...merged]);
    return out;
  }

  /** Bottleneck [B, d, h, w, C] → 1×1×1 conv to stride³ channels → voxel shuffle to the input grid. */
  reconstruct(bottleneck: Tensor): Tensor {
    return T.tidy(() => T.pixelShuffle3d(this.decoder1.forward(bottleneck.permute([0, 4, 1, 2, 3])), this.stride));
  }
}
