import * as T from '../../engine/index.js';
import type { Tensor } from '../../engine/index.js';
import { Linear, Module } from '../../nn/index.js';
import { truncNormal_ } from '../../nn/init.js';
import { relativePositionIndex } from './windows.js';

/** Multi-head self-attention inside windows of w³ tokens, with a learned relative position bias. */
export class WindowAttention extends Module {
  readonly relativePositionBiasTable: Tensor;
  readonly relativePositionIndex: Tensor;
  readonly qkv: Linear;
  readonly proj: Linear;
  readonly scale: number;

  constructor(readonly dim: number, readonly heads: number, readonly window: number) {
    super();
    this.scale = (dim / heads) ** -0.5;
    this.relativePositionBiasTable = this.param('relative_position_bias_table', T.zeros([(2 * window - 1) ** 3, heads]));
    truncNormal_(this.relativePositionBiasTable, 0.02);
    this.relativePositionIndex = this.buffer('relative_position_index', relativePositionIndex(window));
    this.qkv = this.module('qkv', new Linear(dim, 3 * dim, { bias: false }));
    this.proj = this.module('proj', new Linear(dim, dim));
  }

  /** The relative position bias, [heads, N, N]. */
  bias(): Tensor {
    const n = this.window ** 3;
    return this.relativePositionBiasTable.indexSelect(0, this.relativePositionIndex.view([-1])).view([n, n, this.heads]).permute([2, 0, 1]);
  }

  /**
   * x: [B·nW, N, C]; mask: [nW, N, N] or undefined. The bias and the mask
   * are summed once per call and added in place to the attention logits.
   */
  forward(x: Tensor, mask: Tensor | undefined): Tensor {
    const [bw, n, c] = x.shape;
    const hd = c / this.heads;
    const qkv = this.qkv.forward(x).view([bw, n, 3, this.heads, hd]).permute([2, 0, 3, 1, 4]);
    const [q, k, v] = qkv.unbind(0);
    let additive = this.bias(); // [h, n, n]
    let logits = q.mul(this.scale).matmul(k.transpose(-2, -1)); // [bw, h, n, n]
    if (mask !== undefined) {
      const nW = mask.size(0);
      additive = additive.unsqueeze(0).add(mask.unsqueeze(1)); // [nW, h, n, n]
      logits = logits.view([bw / nW, nW, this.heads, n, n]).add(additive).view([bw, this.heads, n, n]);
    } else {
      logits = logits.add(additive);
    }
    const attn = logits.softmax(-1);
    const out = attn.matmul(v).transpose(1, 2).reshape([bw, n, c]);
    return this.proj.forward(out);
  }
}
