import type { Tensor } from '../../engine/index.js';
import { type IntensityRange, scaleIntensityRange } from './scale_intensity_range.js';
import { scaleIntensityPercentiles } from './scale_intensity_percentiles.js';
import { zScoreNormalize } from './z_score.js';

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
  switch (n.kind) {
    case 'window':
      return scaleIntensityRange(volume, n.window);
    case 'percentile':
      return scaleIntensityPercentiles(volume, n);
    case 'zscore':
      return zScoreNormalize(volume, { nonzero: n.nonzero });
    case 'auto':
      return volume.min().item() < -500 ? scaleIntensityRange(volume, n.window) : scaleIntensityPercentiles(volume, n);
  }
}
