// Window bookkeeping for 3-D shifted-window attention: partition/reverse,
// relative position indices and shift masks. Indices and masks depend only
// on shapes, so they are computed once per shape and cached.
import * as T from '../../engine/index.js';
import type { Tensor } from '../../engine/index.js';

/** Counts or offsets along the three axes of a [B, D, H, W, C] token grid (window sizes, shifts, grid sizes). */
export type TokenGrid = [d: number, h: number, w: number];

/** [B, D, H, W, C] → [B·nW, wd·wh·ww, C]. */
export function partition(x: Tensor, w: TokenGrid): Tensor {
  const [b, d, h, wi, c] = x.shape;
  return x
    .view([b, d / w[0], w[0], h / w[1], w[1], wi / w[2], w[2], c])
    .permute([0, 1, 3, 5, 2, 4, 6, 7])
    .reshape([-1, w[0] * w[1] * w[2], c]);
}

/**
 * Windows back to a feature map, as the published SMIT code does it: its
 * window_reverse applies partition's permutation again instead of the
 * inverse, so tokens land scrambled within each window row. Official
 * checkpoints were trained through this layout, so it is reproduced exactly
 * (the reference fixture matches only with it).
 * [B·nW, N, C] → [B, D, H, W, C].
 */
export function reverse(windows: Tensor, w: TokenGrid, b: number, grid: TokenGrid): Tensor {
  const [d, h, wi] = grid;
  const c = windows.size(-1);
  return windows
    .view([b, d / w[0], h / w[1], wi / w[2], w[0], w[1], w[2], c])
    .permute([0, 1, 3, 5, 2, 4, 6, 7])
    .reshape([b, d, h, wi, c]);
}

/** Index into the (2w−1)³ bias table for each pair of the w³ tokens of a window: [N, N] int64. */
export function relativePositionIndex(window: number): Tensor {
  const n = window ** 3;
  const span = 2 * window - 1;
  const index = new BigInt64Array(n * n);
  const coord = (i: number): TokenGrid => [Math.floor(i / (window * window)), Math.floor(i / window) % window, i % window];
  for (let i = 0; i < n; i++) {
    const a = coord(i);
    for (let j = 0; j < n; j++) {
      const b = coord(j);
      const r = [a[0] - b[0] + window - 1, a[1] - b[1] + window - 1, a[2] - b[2] + window - 1];
      index[i * n + j] = BigInt(r[0] * span * span + r[1] * span + r[2]);
    }
  }
  return T.tensor(index, { shape: [n, n] });
}

const maskCache = new Map<string, Tensor>();

/**
 * The shifted-window attention mask for a padded grid: [nW, N, N] with 0
 * between tokens of the same region before the roll and −100 otherwise; on
 * `device` (built on the CPU, cached per device).
 */
export function shiftMask(grid: TokenGrid, w: TokenGrid, s: TokenGrid, device = 'cpu'): Tensor {
  const key = `${grid}|${w}|${s}|${device}`;
  const cached = maskCache.get(key);
  if (cached !== undefined) return cached;
  const [d, h, wi] = grid;
  const region = new Float32Array(d * h * wi);
  const bands = (size: number, win: number, shift: number) => (i: number) => (i < size - win ? 0 : i < size - shift ? 1 : 2);
  const bd = bands(d, w[0], s[0]);
  const bh = bands(h, w[1], s[1]);
  const bw = bands(wi, w[2], s[2]);
  for (let z = 0; z < d; z++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < wi; x++) region[(z * h + y) * wi + x] = bd(z) * 9 + bh(y) * 3 + bw(x);
    }
  }
  const mask = T.tidy(() => {
    const windows = partition(T.tensor(region, { shape: [1, d, h, wi, 1] }), w).squeeze(-1);
    const diff = windows.unsqueeze(1).sub(windows.unsqueeze(2));
    const cpu = T.zerosLike(diff).maskedFill(diff.ne(0), -100);
    return device === 'cpu' ? cpu : cpu.to(null, device);
  });
  maskCache.set(key, T.keep(mask));
  return mask;
}

export interface RowPermutation {
  index: Tensor;
  inverse: Tensor;
}

const gatherCache = new Map<string, { toWindows: RowPermutation; fromWindows: RowPermutation }>();

function permutation(index: Tensor, device: string): RowPermutation {
  const on = (t: Tensor) => T.keep(device === 'cpu' ? t : t.to(null, device));
  return { index: on(index), inverse: on(index.argsort()) };
}

/**
 * Cyclic shift + window partition, and window reverse + shift back, each as
 * one row permutation of the flattened (padded) grid: derived by running
 * roll/partition/reverse on token numbers, so they match those ops exactly,
 * but applied as a single gather (whose gradient is the inverse gather).
 * Built on the CPU, cached per device.
 */
export function windowGathers(grid: TokenGrid, w: TokenGrid, s: TokenGrid, device = 'cpu'): { toWindows: RowPermutation; fromWindows: RowPermutation } {
  const key = `${grid}|${w}|${s}|${device}`;
  const cached = gatherCache.get(key);
  if (cached !== undefined) return cached;
  const shifting = s.some((v) => v > 0);
  const made = T.tidy(() => {
    const n = grid[0] * grid[1] * grid[2];
    const ids = T.arange(0, n, 1, { dtype: 'int64' }).view([1, ...grid, 1]);
    const rolled = shifting ? ids.roll([-s[0], -s[1], -s[2]], [1, 2, 3]) : ids;
    const toWindows = partition(rolled, w).reshape([-1]);
    const slots = T.arange(0, n, 1, { dtype: 'int64' }).view([-1, w[0] * w[1] * w[2], 1]);
    const back = reverse(slots, w, 1, grid);
    const fromWindows = (shifting ? back.roll(s, [1, 2, 3]) : back).reshape([-1]);
    return { toWindows: permutation(toWindows, device), fromWindows: permutation(fromWindows, device) };
  });
  gatherCache.set(key, made);
  return made;
}
