import * as T from '../../engine/index.js';
import type { Tensor } from '../../engine/index.js';
import type { Ijk } from '../axis_order.js';

/** Output grid size when resampling `shape` from `spacing` to `target` (MONAI's Spacingd rounding). */
export function resampledShape(shape: readonly number[], spacing: Ijk, target: Ijk): Ijk {
  return [0, 1, 2].map((a) => Math.max(1, Math.round((shape[a] * spacing[a]) / target[a]))) as Ijk;
}

/**
 * Resamples a [C, X, Y, Z] volume to `target` spacing:
 * trilinear for images, nearest for label maps. Voxel centres keep their
 * world extent (align_corners = false).
 */
export function resampleToSpacing(volume: Tensor, spacing: Ijk, target: Ijk, mode: 'trilinear' | 'nearest'): Tensor {
  const size = resampledShape(volume.shape.slice(1), spacing, target);
  return resampleToSize(volume, size, mode);
}

export function resampleToSize(volume: Tensor, size: Ijk, mode: 'trilinear' | 'nearest'): Tensor {
  return T.tidy(() => {
    const dtype = volume.dtype;
    const input = volume.unsqueeze(0).to('float32');
    // Voxel-centre nearest ('nearest-exact'): PyTorch's plain 'nearest' floors
    // and shifts labels by up to a voxel, so a resample there and back loses them.
    const out = T.interpolate(input, { size, mode: mode === 'nearest' ? 'nearest-exact' : mode, alignCorners: false }).squeeze(0);
    return mode === 'nearest' ? out.to(dtype) : out;
  });
}
