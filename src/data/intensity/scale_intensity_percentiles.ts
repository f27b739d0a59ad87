import * as T from '../../engine/index.js';
import type { Tensor } from '../../engine/index.js';
import { percentiles } from './percentile.js';
import { scaleIntensityRange } from './scale_intensity_range.js';

export interface PercentileRange {
  /** Percentile (0..100) mapped onto bMin, e.g. 0.5. */
  lower: number;
  /** Percentile (0..100) mapped onto bMax, e.g. 99.5. */
  upper: number;
  /** Default 0. */
  bMin?: number;
  /** Default 1. */
  bMax?: number;
  /** Clip results to [bMin, bMax] (default true). */
  clip?: boolean;
  /** Percentiles of non-zero voxels only, and only those are changed (default false). */
  nonzero?: boolean;
}

/**
 * MONAI's ScaleIntensityRangePercentiles (relative=False), the usual MRI
 * scaling: scaleIntensityRange from the `lower` and `upper` percentiles onto
 * [bMin, bMax]. When the two percentiles are equal (e.g. a constant volume) every
 * counted voxel becomes bMin, where MONAI would return the volume shifted by
 * (bMin − percentile). A new float32 tensor.
 */
export function scaleIntensityPercentiles(volume: Tensor, o: PercentileRange): Tensor {
  const { bMin = 0, bMax = 1, clip = true, nonzero = false } = o;
  const [low, high] = percentiles(volume, [o.lower, o.upper], { nonzero });
  return T.tidy(() => {
    // With nonzero and no non-zero voxel the percentiles are NaN, but `where` then keeps every voxel 0.
    const scaled =
      low === high ? T.fullLike(volume, bMin, { dtype: 'float32' }) : scaleIntensityRange(volume, { aMin: low, aMax: high, bMin, bMax, clip });
    return nonzero ? T.where(volume.ne(0), scaled, 0) : scaled;
  });
}
