import * as T from '../../engine/index.js';
import type { Tensor } from '../../engine/index.js';
import { LayerNorm, Module, ModuleList } from '../../nn/index.js';
import { SwinBlock } from './block.js';
import { PatchEmbed3D, PatchMerging } from './patch.js';

/** The voxels one bottleneck token stands for along each axis (patch × 2 per merging): inputs must be multiples of it. */
export function encoderStride(config: Pick<SwinConfig, 'patch' | 'depths'>): number {
  return config.patch * 2 ** config.depths.length;
}

export interface SwinConfig {
  inChannels: number;
  embedDim: number;
  depths: number[];
  heads: number[];
  window: number;
  patch: number;
  mlpRatio: number;
  dropPathRate: number;
  /** A learned token that replaces masked patch tokens (the pre-training student). */
  maskToken: boolean;
}

/** One resolution of the encoder: Swin blocks, alternating plain and shifted windows, then patch merging. */
export class SwinStage extends Module {
  readonly blocks: ModuleList<SwinBlock>;
  readonly downsample: PatchMerging;

  constructor(dim: number, depth: number, heads: number, window: number, mlpRatio: number, dropPaths: number[]) {
    super();
    this.blocks = this.module(
      'blocks',
      new ModuleList(
        Array.from({ length: depth }, (_, i) => new SwinBlock(dim, heads, window, i % 2 === 1, { mlpRatio, dropPath: dropPaths[i] })),
      ),
    );
    this.downsample = this.module('downsample', new PatchMerging(dim));
  }

  /** [B, D, H, W, C] → the stage output (before merging) and the merged map. */
  forward(x: Tensor): { out: Tensor; merged: Tensor } {
    return T.tidy(() => {
      let y = x;
      for (const block of this.blocks.items) {
        const next = block.forward(y);
        if (y !== x) y.dispose(); // released early; autograd holds what backward needs
        y = next;
      }
      return { out: y, merged: this.downsample.forward(y) };
    });
  }
}

export interface SwinFeatures {
  /** Normalised stage outputs before merging, [B, C, D, H, W] each (norm0..norm3). */
  stages: Tensor[];
  /** Each stage's merged map, [B, D, H, W, 2C]; the last is the bottleneck. */
  merged: Tensor[];
}

/** The 3-D Swin transformer backbone of SMIT (state-dict prefix `transformer.` in the published models). */
export class SwinEncoder3D extends Module {
  readonly maskToken: Tensor | undefined;
  readonly patchEmbed: PatchEmbed3D;
  readonly layers: ModuleList<SwinStage>;
  readonly norms: LayerNorm[];

  constructor(readonly config: SwinConfig) {
    super();
    const { embedDim, depths, heads, window, mlpRatio, dropPathRate } = config;
    // The published backbone keeps PyTorch's default initialisation for every
    // layer (it defines init_weights but never calls it); the mask token starts at zero.
    if (config.maskToken) this.maskToken = this.param('mask_token', T.zeros([1, 1, embedDim]));
    this.patchEmbed = this.module('patch_embed', new PatchEmbed3D(config.inChannels, embedDim, config.patch));
    const total = depths.reduce((a, b) => a + b, 0);
    const rates = Array.from({ length: total }, (_, i) => (total > 1 ? (dropPathRate * i) / (total - 1) : 0));
    let offset = 0;
    const stages = depths.map((depth, i) => {
      const stage = new SwinStage(embedDim * 2 ** i, depth, heads[i], window, mlpRatio, rates.slice(offset, offset + depth));
      offset += depth;
      return stage;
    });
    this.layers = this.module('layers', new ModuleList(stages));
    this.norms = depths.map((_, i) => this.module(`norm${i}`, new LayerNorm(embedDim * 2 ** i)));
  }

  /** Token grid of an input: its size divided by the patch size. */
  grid(input: number[]): number[] {
    return input.map((s) => s / this.config.patch);
  }

  /**
   * x: [B, C, D, H, W] with D, H, W multiples of patch·2^stages.
   * mask: [B, D/p, H/p, W/p] (1 = masked) — only for a model built with maskToken.
   */
  forward(x: Tensor, mask?: Tensor): SwinFeatures {
    const spatial = x.shape.slice(2);
    const unit = encoderStride(this.config);
    if (x.ndim !== 5 || spatial.some((s) => s % unit !== 0)) {
      throw new Error(`SwinEncoder3D: input must be [B, C, D, H, W] with D, H, W multiples of ${unit}, got [${x.shape.join(', ')}]`);
    }
    let tokens = this.patchEmbed.forward(x);
    if (mask !== undefined) {
      if (this.maskToken === undefined) throw new Error('SwinEncoder3D: a mask was given but the model has no mask token');
      const visible = tokens;
      tokens = T.consuming([visible], () => T.tidy(() => this.#withMaskTokens(visible, mask)));
    }
    const stages: Tensor[] = [];
    const merged: Tensor[] = [];
    this.layers.items.forEach((stage, i) => {
      const { out, merged: down } = stage.forward(tokens);
      stages.push(T.tidy(() => this.norms[i].forward(out).permute([0, 4, 1, 2, 3])));
      out.dispose();
      if (i === 0) tokens.dispose(); // the embedded patches; each later input is a merged map the caller receives
      merged.push(down);
      tokens = down;
    });
    return { stages, merged };
  }

  /** Masked patches' tokens replaced by the mask token (mask [B, d, h, w], 1 = masked). */
  #withMaskTokens(tokens: Tensor, mask: Tensor): Tensor {
    const m = mask.unsqueeze(-1).to(tokens.dtype);
    return tokens.mul(m.neg().add(1)).add(this.maskToken!.mul(m));
  }
}
