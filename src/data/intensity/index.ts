export { CT_WINDOW, type IntensityRange, scaleIntensityRange } from './scale_intensity_range.js';
export { percentiles } from './percentile.js';
export { type PercentileRange, scaleIntensityPercentiles } from './scale_intensity_percentiles.js';
export { zScoreNormalize } from './z_score.js';
export { type Normalization, normalizeIntensity } from './normalization.js';
