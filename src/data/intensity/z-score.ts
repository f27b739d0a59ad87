/**
 * MONAI's NormalizeIntensity: (v − mean) / std. With `nonzero`, mean and std
 * come from non-zero voxels and only those are changed (background stays 0).
 * A constant volume is shifted by its mean only (std taken as 1).
 */
export function zScoreNormalize(values: ArrayLike<number>, options: { nonzero?: boolean } = {}): Float32Array {
  const nonzero = options.nonzero ?? false;
  let count = 0;
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    if (nonzero && values[i] === 0) continue;
    sum += values[i];
    count++;
  }
  const out = Float32Array.from(values);
  if (count === 0) return out;
  const mean = sum / count;
  let squares = 0;
  for (let i = 0; i < values.length; i++) {
    if (nonzero && values[i] === 0) continue;
    squares += (values[i] - mean) ** 2;
  }
  const std = Math.sqrt(squares / count) || 1;
  for (let i = 0; i < values.length; i++) {
    if (nonzero && values[i] === 0) continue;
    out[i] = (values[i] - mean) / std;
  }
  return out;
}
