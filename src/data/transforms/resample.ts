import * as T from '../../engine/index.js';
import type { Tensor } from '../../engine/index.js';
import type { Vec3 } from './volume_tensor.js';

/** Output grid size when resampling `shape` from `spacing` to `target` (MONAI's Spacingd rounding). */
export function resampledShape(shape: readonly number[], spacing: Vec3, target: Vec3): Vec3 {
  return [0, 1, 2].map((a) => Math.max(1, Math.round((shape[a] * spacing[a]) / target[a]))) as Vec3;
}

/**
 * Resamples a [C, D, H, W] volume to `target` spacing (D, H, W order):
 * trilinear for images, nearest for label maps. Voxel centres keep their
 * world extent (align_corners = false).
 */
export function resampleToSpacing(volume: Tensor, spacing: Vec3, target: Vec3, mode: 'trilinear' | 'nearest'): Tensor {
  const size = resampledShape(volume.shape.slice(1), spacing, target);
  return resampleToSize(volume, size, mode);
}

export function resampleToSize(volume: Tensor, size: Vec3, mode: 'trilinear' | 'nearest'): Tensor {
  return T.tidy(() => {
    const dtype = volume.dtype;
    const input = volume.unsqueeze(0).to('float32');
    // Voxel-centre nearest ('nearest-exact'): PyTorch's plain 'nearest' floors
    // and shifts labels by up to a voxel, so a resample there and back loses them.
    const out = T.interpolate(input, { size, mode: mode === 'nearest' ? 'nearest-exact' : mode, alignCorners: false }).squeeze(0);
    return mode === 'nearest' ? out.to(dtype) : out;
  });
}
