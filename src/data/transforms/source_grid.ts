import type { Tensor } from '../../engine/index.js';
import * as T from '../../engine/index.js';
import type { Image } from '../image.js';
import { resampleToSize } from './resample.js';
import { tensorToImage } from './volume_tensor.js';

/**
 * A label map [1, X, Y, Z] predicted on a resampled copy of `source`'s grid,
 * put back onto that grid (voxel-centre nearest neighbour) as an Image that
 * carries the source's affine and header, ready to save next to the scan.
 */
export function labelToSourceGrid(label: Tensor, source: Image): Image {
  return T.tidy(() => tensorToImage(resampleToSize(label, source.size, 'nearest'), source, 'uint8'));
}
