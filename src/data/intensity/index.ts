export { CT_WINDOW, type IntensityRange, scaleIntensityRange, scaleIntensityRange_ } from './scale_intensity_range.js';
export { percentiles } from './percentile.js';
export { type PercentileRange, scaleIntensityPercentiles, scaleIntensityPercentiles_ } from './scale_intensity_percentiles.js';
export { zScoreNormalize, zScoreNormalize_ } from './z_score.js';
export { type Normalization, normalizeIntensity, normalizeIntensity_ } from './normalization.js';
