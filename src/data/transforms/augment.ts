// Random augmentations of SMIT fine-tuning (SMIT-SPEC §3), applied to an
// image [C, X, Y, Z] and, identically, to its label map.
import type { Tensor } from '../../engine/index.js';
import type { SeededRandom } from '../seeded_random.js';
import type { Ijk } from '../axis_order.js';
import { type Box, centredCropBox, randomCropBox } from './crop.js';

export interface Pair {
  image: Tensor;
  label: Tensor;
}

/** Flips each spatial axis with probability p. */
export function randomFlip(pair: Pair, p: number, rng: SeededRandom): Pair {
  const axes = [1, 2, 3].filter(() => rng.next() < p);
  if (axes.length === 0) return pair;
  return { image: pair.image.flip(axes), label: pair.label.flip(axes) };
}

/** Rotates by k·90° (k uniform in 1..3) in the X×Y plane with probability p, as MONAI's RandRotate90 (square planes only keep the shape). */
export function randomRotate90(pair: Pair, p: number, rng: SeededRandom): Pair {
  if (rng.next() >= p) return pair;
  const k = 1 + rng.integer(3);
  return { image: pair.image.rot90(k, [1, 2]), label: pair.label.rot90(k, [1, 2]) };
}

/** x·(1 + s) with s uniform in ±factor, with probability p (MONAI's RandScaleIntensity). */
export function randomScaleIntensity(image: Tensor, factor: number, p: number, rng: SeededRandom): Tensor {
  return rng.next() < p ? image.mul(1 + rng.uniform(-factor, factor)) : image;
}

/** x + o with o uniform in ±offset, with probability p (MONAI's RandShiftIntensity). */
export function randomShiftIntensity(image: Tensor, offset: number, p: number, rng: SeededRandom): Tensor {
  return rng.next() < p ? image.add(rng.uniform(-offset, offset)) : image;
}

/**
 * `samples` crops of `size`, each centred on a foreground voxel (label > 0)
 * with probability pos/(pos+neg), else on a background voxel — MONAI's
 * RandCropByPosNegLabel. Centres are shifted so crops stay inside.
 */
export function balancedCropBoxes(label: Tensor, size: Ijk, o: { samples: number; pos: number; neg: number }, rng: SeededRandom): Box[] {
  const spatial = label.shape.slice(1);
  const flat = label.select(0, 0).reshape([-1]);
  const fg = flat.gt(0).nonzero().reshape([-1]);
  const bg = flat.le(0).nonzero().reshape([-1]);
  const [nFg, nBg] = [fg.size(0), bg.size(0)];
  const boxes: Box[] = [];
  for (let i = 0; i < o.samples; i++) {
    const wantFg = rng.next() < o.pos / (o.pos + o.neg);
    const pool = (wantFg && nFg > 0) || nBg === 0 ? fg : bg;
    if (pool.size(0) === 0) {
      boxes.push(randomCropBox(spatial, size, rng));
      continue;
    }
    boxes.push(centredCropBox(spatial, size, voxelAt(pool.select(0, rng.integer(pool.size(0))).item(), spatial)));
  }
  return boxes;
}

/**
 * `samples` crops of `size`, each centred on a voxel of a class drawn
 * uniformly among the classes present (background included) — MONAI's
 * RandCropByLabelClasses with equal ratios, nnU-Net's class-balanced
 * sampling: small organs are centred as often as large ones.
 */
export function classBalancedCropBoxes(label: Tensor, size: Ijk, o: { samples: number }, rng: SeededRandom): Box[] {
  const spatial = label.shape.slice(1);
  const flat = label.select(0, 0).reshape([-1]);
  const classes = flat.unique().toArray();
  const voxels = new Map<number, Tensor>();
  const boxes: Box[] = [];
  for (let i = 0; i < o.samples; i++) {
    const id = classes[rng.integer(classes.length)];
    if (!voxels.has(id)) voxels.set(id, flat.eq(id).nonzero().reshape([-1]));
    const pool = voxels.get(id)!;
    boxes.push(centredCropBox(spatial, size, voxelAt(pool.select(0, rng.integer(pool.size(0))).item(), spatial)));
  }
  return boxes;
}

/** The (i, j, k) of a flat index into a C-order [X, Y, Z] grid. */
function voxelAt(index: number, spatial: readonly number[]): Ijk {
  const [ny, nz] = [spatial[1], spatial[2]];
  return [Math.floor(index / (ny * nz)), Math.floor(index / nz) % ny, index % nz];
}
