import * as T from '../../engine/index.js';
import type { Tensor } from '../../engine/index.js';

/**
 * MONAI's NormalizeIntensity: (v − mean) / std, with the population std. With
 * `nonzero`, mean and std come from non-zero voxels and only those are changed
 * (background stays 0). A constant volume is only shifted (std taken as 1).
 * A volume of any shape and dtype; the result is a new float32 tensor.
 */
export function zScoreNormalize(volume: Tensor, options: { nonzero?: boolean } = {}): Tensor {
  return T.tidy(() => {
    const x = volume.float();
    const mask = options.nonzero ? x.ne(0) : undefined;
    const values = mask ? x.maskedSelect(mask) : x;
    if (values.numel() === 0) return x.clone();
    const mean = values.mean().item();
    const std = values.std(null, false, { correction: 0 }).item() || 1;
    const normalized = x.sub(mean).div_(std);
    return mask ? T.where(mask, normalized, 0) : normalized;
  });
}
