import * as T from '../../engine/index.js';
import type { Tensor } from '../../engine/index.js';
import { DropPath, GELU, LayerNorm, Linear, Module } from '../../nn/index.js';
import { WindowAttention } from './attention.js';
import { type TokenGrid, shiftMask, windowGathers } from './windows.js';

export class Mlp extends Module {
  readonly fc1: Linear;
  readonly act = new GELU();
  readonly fc2: Linear;

  constructor(dim: number, hidden: number) {
    super();
    this.fc1 = this.module('fc1', new Linear(dim, hidden));
    this.fc2 = this.module('fc2', new Linear(hidden, dim));
  }

  forward(x: Tensor): Tensor {
    return T.pipe(x, (t) => this.fc1.forward(t), (t) => this.act.forward(t), (t) => this.fc2.forward(t));
  }
}

/** One Swin transformer block on a [B, D, H, W, C] feature map; `shifted` blocks roll by window/2. */
export class SwinBlock extends Module {
  readonly norm1: LayerNorm;
  readonly attn: WindowAttention;
  readonly dropPath: DropPath;
  readonly norm2: LayerNorm;
  readonly mlp: Mlp;

  constructor(
    readonly dim: number,
    heads: number,
    readonly window: number,
    readonly shifted: boolean,
    options: { mlpRatio?: number; dropPath?: number } = {},
  ) {
    super();
    this.norm1 = this.module('norm1', new LayerNorm(dim));
    this.attn = this.module('attn', new WindowAttention(dim, heads, window));
    this.dropPath = this.module('drop_path', new DropPath(options.dropPath ?? 0));
    this.norm2 = this.module('norm2', new LayerNorm(dim));
    this.mlp = this.module('mlp', new Mlp(dim, Math.round(dim * (options.mlpRatio ?? 4))));
  }

  forward(x: Tensor): Tensor {
    return T.tidy(() => this.#forward(x));
  }

  #forward(x: Tensor): Tensor {
    const [b, d, h, w, c] = x.shape;
    // As published: the full window and shift even on grids smaller than a window (padded, then masked).
    const win: TokenGrid = [this.window, this.window, this.window];
    const shift: TokenGrid = this.shifted ? [this.window / 2, this.window / 2, this.window / 2] : [0, 0, 0];
    const padded: TokenGrid = [d, h, w].map((g, i) => Math.ceil(g / win[i]) * win[i]) as TokenGrid;
    const needsPad = padded.some((p, i) => p !== [d, h, w][i]);
    const { toWindows, fromWindows } = windowGathers(padded, win, shift, x.device);
    const mask = this.shifted ? shiftMask(padded, win, shift, x.device) : undefined;
    const tokens = padded[0] * padded[1] * padded[2];

    const n = win[0] * win[1] * win[2];
    // Each full-size map is released once the next step has it (views inside
    // a step go with it), so a block holds two or three of them, not eight.
    const attention = T.pipe(
      x,
      (t) => this.norm1.forward(t),
      (t) => (needsPad ? t.pad([0, 0, 0, padded[2] - w, 0, padded[1] - h, 0, padded[0] - d]) : t),
      (t) => T.tidy(() => t.reshape([b, tokens, c]).permuteRows(toWindows.index, toWindows.inverse).view([-1, n, c])),
      (t) => this.attn.forward(t, mask),
      (t) => T.tidy(() => t.view([b, tokens, c]).permuteRows(fromWindows.index, fromWindows.inverse).view([b, ...padded, c])),
      (t) => (needsPad ? T.tidy(() => t.slice(1, 0, d).slice(2, 0, h).slice(3, 0, w)) : t),
      (t) => this.dropPath.forward(t),
    );
    const x1 = T.consuming([attention], () => x.add(attention));
    const update = T.pipe(x1, (t) => this.norm2.forward(t), (t) => this.mlp.forward(t), (t) => this.dropPath.forward(t));
    return T.consuming([x1, update], () => x1.add(update));
  }
}
