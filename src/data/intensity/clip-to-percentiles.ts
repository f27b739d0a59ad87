import { percentiles } from './percentile.js';

export interface PercentileClip {
  /** Lower percentile, 0..100 (e.g. 0.5). */
  lower: number;
  /** Upper percentile, 0..100 (e.g. 99.5). */
  upper: number;
  /** Compute the percentiles over non-zero voxels only (default false). */
  nonzero?: boolean;
}

/** Clips intensities to the given percentiles of the volume, the usual first step for MRI. */
export function clipToPercentiles(values: ArrayLike<number>, clip: PercentileClip): Float32Array {
  const [low, high] = percentiles(values, [clip.lower, clip.upper], { nonzero: clip.nonzero });
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    out[i] = clip.nonzero && v === 0 ? 0 : v < low ? low : v > high ? high : v;
  }
  return out;
}
