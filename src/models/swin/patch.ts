import * as T from '../../engine/index.js';
import type { Tensor } from '../../engine/index.js';
import { Conv3d, LayerNorm, Linear, Module } from '../../nn/index.js';

/** Non-overlapping p³ patches → tokens: Conv3d(k=p, s=p), then LayerNorm over channels. Output [B, D, H, W, C]. */
export class PatchEmbed3D extends Module {
  readonly proj: Conv3d;
  readonly norm: LayerNorm;

  constructor(inChannels: number, readonly dim: number, patch: number) {
    super();
    this.proj = this.module('proj', new Conv3d(inChannels, dim, patch, { stride: patch }));
    this.norm = this.module('norm', new LayerNorm(dim));
  }

  forward(x: Tensor): Tensor {
    return T.pipe(x, (t) => this.proj.forward(t), (t) => t.permute([0, 2, 3, 4, 1]), (t) => this.norm.forward(t));
  }
}

// Sub-voxel order of the published merging: (0,0,0),(1,0,0),(0,1,0),(0,0,1),
// (1,1,0),(0,1,1),(1,0,1),(1,1,1) as (d,h,w) offsets, here as d·4+h·2+w.
const MERGE_ORDER = [0, 4, 2, 1, 6, 3, 5, 7];
let mergeIndex: Tensor | undefined;

/** 2× downsampling: the 8 sub-voxels of each 2³ cell concatenated, LayerNorm(8C), Linear(8C→2C). */
export class PatchMerging extends Module {
  readonly reduction: Linear;
  readonly norm: LayerNorm;

  constructor(readonly dim: number) {
    super();
    this.reduction = this.module('reduction', new Linear(8 * dim, 2 * dim, { bias: false }));
    this.norm = this.module('norm', new LayerNorm(8 * dim));
  }

  forward(x: Tensor): Tensor {
    return T.tidy(() => this.#merge(x));
  }

  #merge(x: Tensor): Tensor {
    let [b, d, h, w, c] = x.shape;
    if (d % 2 || h % 2 || w % 2) {
      x = x.pad([0, 0, 0, w % 2, 0, h % 2, 0, d % 2]);
      [d, h, w] = [d + (d % 2), h + (h % 2), w + (w % 2)];
    }
    mergeIndex ??= T.keep(T.tensor(MERGE_ORDER));
    const cells = x
      .view([b, d / 2, 2, h / 2, 2, w / 2, 2, c])
      .permute([0, 1, 3, 5, 2, 4, 6, 7])
      .reshape([b, d / 2, h / 2, w / 2, 8, c])
      .indexSelect(4, mergeIndex)
      .reshape([b, d / 2, h / 2, w / 2, 8 * c]);
    return this.reduction.forward(this.norm.forward(cells));
  }
}
