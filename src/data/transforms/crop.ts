// Spatial crops and pads of [C, X, Y, Z] volumes.
import * as T from '../../engine/index.js';
import type { Tensor } from '../../engine/index.js';
import type { Ijk } from '../axis_order.js';
import type { SeededRandom } from '../seeded_random.js';

export interface Box {
  start: Ijk;
  end: Ijk; // exclusive
}

/** Bounding box of voxels where `select` is true in any channel (the whole volume if none is). */
export function foregroundBox(volume: Tensor, select: (v: Tensor) => Tensor, margin = 0): Box {
  const spatial = volume.shape.slice(1) as Ijk;
  return T.tidy(() => {
    const mask = select(volume).any(0);
    // One line of flags per axis (a voxel's coordinates as a list would take 24 bytes per selected voxel).
    const lines = [mask.any(2).any(1), mask.any(2).any(0), mask.any(1).any(0)];
    const hits = lines.map((line) => line.nonzero().reshape([-1]).toArray() as number[]);
    if (hits[0].length === 0) return { start: [0, 0, 0], end: spatial };
    return {
      start: hits.map((h) => Math.max(0, h[0] - margin)) as Ijk,
      end: hits.map((h, a) => Math.min(spatial[a], h[h.length - 1] + 1 + margin)) as Ijk,
    };
  });
}

export function cropBox(volume: Tensor, box: Box): Tensor {
  let out = volume;
  for (let a = 0; a < 3; a++) out = out.narrow(a + 1, box.start[a], box.end[a] - box.start[a]);
  return out;
}

/** Pads symmetrically (constant) so every spatial size is at least `size`. */
export function padToAtLeast(volume: Tensor, size: Ijk, value = 0): Tensor {
  const spatial = volume.shape.slice(1);
  const extra = spatial.map((s, a) => Math.max(0, size[a] - s));
  if (extra.every((e) => e === 0)) return volume;
  const before = extra.map((e) => Math.floor(e / 2));
  const after = extra.map((e, a) => e - before[a]);
  return volume.pad([before[2], after[2], before[1], after[1], before[0], after[0]], 'constant', value);
}

/** A uniformly placed crop of `size` (the volume must be at least that large). */
export function randomCropBox(spatial: readonly number[], size: Ijk, rng: SeededRandom): Box {
  const start = spatial.map((s, a) => {
    if (s < size[a]) throw new Error(`random crop ${size.join('×')} larger than volume ${spatial.join('×')}`);
    return rng.integer(s - size[a] + 1);
  }) as Ijk;
  return { start, end: start.map((s, a) => s + size[a]) as Ijk };
}

/** A crop of `size` centred on `centre`, shifted to stay inside the volume. */
export function centredCropBox(spatial: readonly number[], size: Ijk, centre: Ijk): Box {
  const start = spatial.map((s, a) => Math.min(Math.max(0, centre[a] - Math.floor(size[a] / 2)), s - size[a])) as Ijk;
  return { start, end: start.map((s, a) => s + size[a]) as Ijk };
}
