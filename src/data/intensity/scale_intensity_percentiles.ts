import * as T from '../../engine/index.js';
import type { Tensor } from '../../engine/index.js';
import { percentiles } from './percentile.js';
import { scaleIntensityRange_ } from './scale_intensity_range.js';
import { ownedFloat32, requireFloat32 } from './owned_float32.js';

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
  return T.tidy(() => scaleIntensityPercentiles_(ownedFloat32(volume), o));
}

/** scaleIntensityPercentiles computed in place in a float32 volume that the caller gives up; returns it. */
export function scaleIntensityPercentiles_(volume: Tensor, o: PercentileRange): Tensor {
  const { bMin = 0, bMax = 1, clip = true, nonzero = false } = o;
  requireFloat32(volume, 'scaleIntensityPercentiles_');
  const [low, high] = percentiles(volume, [o.lower, o.upper], { nonzero });
  T.tidy(() => {
    const background = nonzero ? volume.eq(0) : undefined;
    // With nonzero and no non-zero voxel the percentiles are NaN, but the background fill then keeps every voxel 0.
    if (low === high) volume.fill_(bMin);
    else scaleIntensityRange_(volume, { aMin: low, aMax: high, bMin, bMax, clip });
    if (background) volume.maskedFill_(background, 0);
  });
  return volume;
}
