// Images as engine tensors in voxel-index order: a volume tensor is
// [C, X, Y, Z] = [C, i, j, k], as MONAI and the official SMIT pipeline feed
// the network after reorientation to RAS (convolution kernels and the
// relative-position tables are direction-specific, so the order matters for
// official weights). Its spacing is `image.spacing`, in the same (i, j, k) order.
import * as T from '../../engine/index.js';
import type { Tensor } from '../../engine/index.js';
import type { Ijk } from '../axis_order.js';
import { spacingOf } from '../geometry/affine.js';
import { reorientation } from '../geometry/orientation.js';
import { Image } from '../image.js';

/**
 * [1, X, Y, Z] float32 copy of the voxels, converted in the one copy. It keeps
 * the image's memory order (C-order [Z, Y, X]: x fastest) as a strided view:
 * no transposing copy, and libtorch 1.13 resamples that layout 1.6–7× faster
 * than a contiguous [X, Y, Z] one on scans (thick slices made thin), though up
 * to 1.7× slower when every axis shrinks (bench/diagnostics/resample_layout.ts).
 * uint16 and uint32, which libtorch lacks, go through float32 in JavaScript first.
 */
export function imageToTensor(image: Image): Tensor {
  const { data } = image;
  const source = data instanceof Uint16Array || data instanceof Uint32Array ? Float32Array.from(data) : data;
  return T.tidy(() => T.tensor(source, { shape: [1, ...image.shape], dtype: 'float32' }).permute([0, 3, 2, 1]));
}

/** Where a volume tensor lies: an image's geometry and header, without its voxels. */
export type ImageGrid = Pick<Image, 'shape' | 'affine' | 'header' | 'source'>;

/**
 * imageToTensor(toCanonical(image)) without toCanonical's JavaScript copy: the
 * axes are permuted as a view and reversed by one native flip (when any runs
 * backwards), whose memory is freed with the tensor rather than at V8's next
 * collection. Returns the volume, its RAS grid and its spacing (i, j, k).
 */
export function canonicalTensor(image: Image): { volume: Tensor; grid: ImageGrid; spacing: Ijk } {
  const { sourceAxis, flipped, size, affine } = reorientation(image.affine, image.size, 'RAS');
  const grid: ImageGrid = { shape: [size[2], size[1], size[0]], affine, header: image.header, source: image.source };
  const volume = T.tidy(() => {
    const permuted = imageToTensor(image).permute([0, ...sourceAxis.map((s) => s + 1)]);
    const reversed = [0, 1, 2].filter((a) => flipped[a]).map((a) => a + 1);
    return reversed.length > 0 ? permuted.flip(reversed) : permuted;
  });
  return { volume, grid, spacing: spacingOf(affine) };
}

/** A [1, X, Y, Z] tensor on `like`'s grid as an Image with `like`'s geometry and header. */
export function tensorToImage(volume: Tensor, like: Image, dtype: 'uint8' | 'float32'): Image {
  const data = T.tidy(() => volume.select(0, 0).permute([2, 1, 0]).to(dtype).contiguous().data()) as Uint8Array | Float32Array;
  return like.withData(data);
}
