import * as T from '../../engine/index.js';
import type { Tensor } from '../../engine/index.js';
import { ownedFloat32 } from './owned_float32.js';
import { type IntensityRange, scaleIntensityRange_ } from './scale_intensity_range.js';
import { scaleIntensityPercentiles_ } from './scale_intensity_percentiles.js';
import { zScoreNormalize_ } from './z_score.js';

/**
 * How a volume's intensities are normalised, as a recipe stores it: a fixed
 * window (CT in HU), percentiles mapped to [0, 1] or a z-score (MRI, which
 * has no absolute scale), or `auto`: per volume, the window when it holds air
 * (below −500, so it is CT), else the percentiles.
 */
export type Normalization =
  | { kind: 'window'; window: IntensityRange }
  | { kind: 'percentile'; lower: number; upper: number }
  | { kind: 'zscore'; nonzero: boolean }
  | { kind: 'auto'; window: IntensityRange; lower: number; upper: number };

export function normalizeIntensity(volume: Tensor, n: Normalization): Tensor {
  return T.tidy(() => normalizeIntensity_(ownedFloat32(volume), n));
}

/** normalizeIntensity computed in place in a float32 volume that the caller gives up; returns it. */
export function normalizeIntensity_(volume: Tensor, n: Normalization): Tensor {
  switch (n.kind) {
    case 'window':
      return scaleIntensityRange_(volume, n.window);
    case 'percentile':
      return scaleIntensityPercentiles_(volume, n);
    case 'zscore':
      return zScoreNormalize_(volume, { nonzero: n.nonzero });
    case 'auto':
      return T.tidy(() => volume.min().item()) < -500 ? scaleIntensityRange_(volume, n.window) : scaleIntensityPercentiles_(volume, n);
  }
}
