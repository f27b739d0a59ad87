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

  /** x: [B·nW, N, C]; mask: [nW, N, N] or undefined. */
  forward(x: Tensor, mask: Tensor | undefined): Tensor {
    return T.tidy(() => this.#forward(x, mask));
  }

  // The bias and the mask are added in place to the fresh q·kᵀ product: no
  // further [windows, heads, N, N] tensors (measured ~10 % off the forward).
  #forward(x: Tensor, mask: Tensor | undefined): Tensor {
    const [bw, n, c] = x.shape;
    const [q, k, v] = this.qkv.forward(x).view([bw, n, 3, this.heads, c / this.heads]).permute([2, 0, 3, 1, 4]).unbind(0);
    const logits = q.mul(this.scale).matmul(k.transpose(-2, -1)); // [bw, h, n, n]
    logits.add_(this.bias());
    if (mask !== undefined) logits.view([bw / mask.size(0), mask.size(0), this.heads, n, n]).add_(mask.unsqueeze(1));
    // The [windows, heads, N, N] logits and probabilities are the block's largest
    // tensors: without a graph (teacher, inference) the softmax overwrites the
    // logits — on the CPU, whose kernel is checked bit for bit (test/engine/ops_values).
    const inPlace = logits.device === 'cpu' && logits.dtype === 'float32' && !logits.requiresGrad;
    const probabilities = (t: Tensor) => (inPlace ? t.softmax_(-1) : t.softmax(-1));
    const attended = T.consuming([logits], () => T.pipe(logits, probabilities, (t) => t.matmul(v)));
    return this.proj.forward(attended.transpose(1, 2).reshape([bw, n, c]));
  }
}
