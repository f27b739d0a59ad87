export interface IntensityRange {
  aMin: number;
  aMax: number;
  bMin: number;
  bMax: number;
  /** Clip results to [bMin, bMax] (default true). */
  clip?: boolean;
}

/**
 * MONAI's ScaleIntensityRange: maps [aMin, aMax] linearly onto [bMin, bMax],
 * e.g. a CT window of −175..250 HU onto 0..1, clipping outside values.
 */
export function scaleIntensityRange(values: ArrayLike<number>, range: IntensityRange): Float32Array {
  const { aMin, aMax, bMin, bMax, clip = true } = range;
  if (aMax === aMin) throw new Error(`scaleIntensityRange: aMin and aMax are both ${aMin}`);
  const scale = (bMax - bMin) / (aMax - aMin);
  const low = Math.min(bMin, bMax);
  const high = Math.max(bMin, bMax);
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = (values[i] - aMin) * scale + bMin;
    out[i] = clip ? (v < low ? low : v > high ? high : v) : v;
  }
  return out;
}
