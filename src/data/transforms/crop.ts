// Spatial crops and pads of [C, D, H, W] volumes.
import type { Tensor } from '../../engine/index.js';
import type { SeededRandom } from '../seeded-random.js';
import type { Vec3 } from './volume_tensor.js';

export interface Box {
  start: Vec3;
  end: Vec3; // exclusive
}

/** Bounding box of voxels where `select` is true in any channel (the whole volume if none is). */
export function foregroundBox(volume: Tensor, select: (v: Tensor) => Tensor, margin = 0): Box {
  const spatial = volume.shape.slice(1) as Vec3;
  const mask = select(volume).any0();
  const idx = mask.nonzero(); // [n, 3]
  if (idx.size(0) === 0) return { start: [0, 0, 0], end: spatial };
  const lo = idx.amin(0).toArray();
  const hi = idx.amax(0).toArray();
  return {
    start: lo.map((v) => Math.max(0, v - margin)) as Vec3,
    end: hi.map((v, a) => Math.min(spatial[a], v + 1 + margin)) as Vec3,
  };
}

export function cropBox(volume: Tensor, box: Box): Tensor {
  let out = volume;
  for (let a = 0; a < 3; a++) out = out.narrow(a + 1, box.start[a], box.end[a] - box.start[a]);
  return out;
}

/** Pads symmetrically (constant) so every spatial size is at least `size`. */
export function padToAtLeast(volume: Tensor, size: Vec3, value = 0): Tensor {
  const spatial = volume.shape.slice(1);
  const extra = spatial.map((s, a) => Math.max(0, size[a] - s));
  if (extra.every((e) => e === 0)) return volume;
  const before = extra.map((e) => Math.floor(e / 2));
  const after = extra.map((e, a) => e - before[a]);
  return volume.pad([before[2], after[2], before[1], after[1], before[0], after[0]], 'constant', value);
}

/** A uniformly placed crop of `size` (the volume must be at least that large). */
export function randomCropBox(spatial: readonly number[], size: Vec3, rng: SeededRandom): Box {
  const start = spatial.map((s, a) => {
    if (s < size[a]) throw new Error(`random crop ${size.join('×')} larger than volume ${spatial.join('×')}`);
    return rng.integer(s - size[a] + 1);
  }) as Vec3;
  return { start, end: start.map((s, a) => s + size[a]) as Vec3 };
}

/** A crop of `size` centred on `centre`, shifted to stay inside the volume. */
export function centredCropBox(spatial: readonly number[], size: Vec3, centre: Vec3): Box {
  const start = spatial.map((s, a) => Math.min(Math.max(0, centre[a] - Math.floor(size[a] / 2)), s - size[a])) as Vec3;
  return { start, end: start.map((s, a) => s + size[a]) as Vec3 };
}
