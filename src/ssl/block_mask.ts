import * as T from '../engine/index.js';
import type { Tensor } from '../engine/index.js';
import type { Ijk, SeededRandom } from '../data/index.js';

export interface BlockMask {
  /** [d, h, w] block grid, 1 = masked: the mask at distillation-token level. */
  tokenMask: Tensor;
  /** The same mask at patch-token level, each block repeated block/patch times per axis. */
  patchMask: Tensor;
}

/**
 * SMIT's masking (SMIT-SPEC §2): the view is split into block³-voxel blocks
 * and ⌈ratio · blocks⌉ of them, chosen uniformly, are masked.
 */
export function blockMask(view: Ijk, o: { block: number; ratio: number; patch: number }, rng: SeededRandom): BlockMask {
  if (view.some((s) => s % o.block !== 0)) throw new Error(`view ${view.join('×')} is not a multiple of the ${o.block}-voxel mask block`);
  if (o.block % o.patch !== 0) throw new Error(`mask block ${o.block} is not a multiple of the patch size ${o.patch}`);
  const grid = view.map((s) => s / o.block) as Ijk;
  const n = grid[0] * grid[1] * grid[2];
  const count = Math.ceil(o.ratio * n - 1e-9);
  const bits = new Uint8Array(n);
  for (const i of rng.shuffle([...Array(n).keys()]).slice(0, count)) bits[i] = 1;
  return T.tidy(() => {
    const tokenMask = T.tensor(bits, { shape: grid }).to('int64');
    const r = o.block / o.patch;
    const patchMask = tokenMask.repeatInterleave(r, 0).repeatInterleave(r, 1).repeatInterleave(r, 2);
    return { tokenMask, patchMask };
  });
}
