// Images as engine tensors in voxel-index order: a volume tensor is
// [C, X, Y, Z] = [C, i, j, k], as MONAI and the official SMIT pipeline feed
// the network after reorientation to RAS (convolution kernels and the
// relative-position tables are direction-specific, so the order matters for
// official weights). Its spacing is `image.spacing`, in the same (i, j, k) order.
import * as T from '../../engine/index.js';
import type { Tensor } from '../../engine/index.js';
import { Image } from '../image.js';

/** [1, X, Y, Z] float32 copy of the voxels (the image stores them C-order [Z, Y, X]). */
export function imageToTensor(image: Image): Tensor {
  const data = image.data instanceof Float32Array ? image.data : Float32Array.from(image.data);
  return T.tidy(() => T.tensor(data, { shape: [1, ...image.shape] }).permute([0, 3, 2, 1]).contiguous());
}

/** A [1, X, Y, Z] tensor on `like`'s grid as an Image with `like`'s geometry and header. */
export function tensorToImage(volume: Tensor, like: Image, dtype: 'uint8' | 'float32'): Image {
  const data = T.tidy(() => volume.select(0, 0).permute([2, 1, 0]).to(dtype).contiguous().data()) as Uint8Array | Float32Array;
  return like.withData(data);
}
