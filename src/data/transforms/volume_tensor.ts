// Images as engine tensors. Image voxels are C-order [nz, ny, nx], so a volume
// tensor is [C=1, D=nz, H=ny, W=nx] and its spacing in tensor order is
// (k, j, i) — the reverse of the affine's column order.
import * as T from '../../engine/index.js';
import type { Tensor } from '../../engine/index.js';
import type { Image } from '../image.js';

export type Vec3 = [number, number, number];

/** [1, D, H, W] float32 copy of the voxels. */
export function imageToTensor(image: Image): Tensor {
  const data = image.data instanceof Float32Array ? image.data : Float32Array.from(image.data);
  return T.tensor(data, { shape: [1, ...image.shape] });
}

/** Spacing in tensor axis order (D, H, W) = (k, j, i). */
export function spacingDHW(image: Image): Vec3 {
  const [si, sj, sk] = image.spacing;
  return [sk, sj, si];
}
