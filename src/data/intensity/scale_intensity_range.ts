import * as T from '../../engine/index.js';
import type { Tensor } from '../../engine/index.js';
import { ownedFloat32, requireFloat32 } from './owned_float32.js';

export interface IntensityRange {
  aMin: number;
  aMax: number;
  bMin: number;
  bMax: number;
  /** Clip results to [bMin, bMax] (default true). */
  clip?: boolean;
}

/** SMIT's CT window: −175..250 HU onto 0..1. */
export const CT_WINDOW: IntensityRange = { aMin: -175, aMax: 250, bMin: 0, bMax: 1 };

/**
 * MONAI's ScaleIntensityRange: maps [aMin, aMax] linearly onto [bMin, bMax]
 * (bMin > bMax reverses), clipping outside values unless `clip` is false.
 * A volume of any shape and dtype; the result is a new float32 tensor.
 */
export function scaleIntensityRange(volume: Tensor, range: IntensityRange): Tensor {
  return T.tidy(() => scaleIntensityRange_(ownedFloat32(volume), range));
}

/** scaleIntensityRange computed in place in a float32 volume that the caller gives up; returns it. */
export function scaleIntensityRange_(volume: Tensor, range: IntensityRange): Tensor {
  const { aMin, aMax, bMin, bMax, clip = true } = range;
  if (aMax === aMin) throw new Error(`scaleIntensityRange: aMin and aMax are both ${aMin}`);
  requireFloat32(volume, 'scaleIntensityRange_');
  volume.sub_(aMin).div_(aMax - aMin).mul_(bMax - bMin).add_(bMin);
  return clip ? volume.clamp_(Math.min(bMin, bMax), Math.max(bMin, bMax)) : volume;
}
