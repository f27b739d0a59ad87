import * as T from '../../engine/index.js';
import type { Tensor } from '../../engine/index.js';
import { ownedFloat32, requireFloat32 } from './owned_float32.js';

/**
 * MONAI's NormalizeIntensity: (v − mean) / std, with the population std. With
 * `nonzero`, mean and std come from non-zero voxels and only those are changed
 * (background stays 0). A constant volume is only shifted (std taken as 1).
 * A volume of any shape and dtype; the result is a new float32 tensor.
 */
export function zScoreNormalize(volume: Tensor, options: { nonzero?: boolean } = {}): Tensor {
  return T.tidy(() => zScoreNormalize_(ownedFloat32(volume), options));
}

/** zScoreNormalize computed in place in a float32 volume that the caller gives up; returns it. */
export function zScoreNormalize_(volume: Tensor, options: { nonzero?: boolean } = {}): Tensor {
  requireFloat32(volume, 'zScoreNormalize_');
  T.tidy(() => {
    const mask = options.nonzero ? volume.ne(0) : undefined;
    const values = mask ? volume.maskedSelect(mask) : volume;
    if (values.numel() === 0) return;
    const mean = values.mean().item();
    const std = values.std(null, false, { correction: 0 }).item() || 1;
    volume.sub_(mean).div_(std);
    if (mask) volume.maskedFill_(mask.logicalNot(), 0);
  });
  return volume;
}
