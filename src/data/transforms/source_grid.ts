import * as T from '../../engine/index.js';
import type { Tensor } from '../../engine/index.js';
import { Image } from '../image.js';
import { resampleToSize } from './resample.js';

/**
 * A label map [1, D, H, W] predicted on a resampled grid, put back onto the
 * source image's grid (nearest neighbour) as an Image that carries the
 * source's affine and header, ready to save next to the scan.
 */
export function labelToSourceGrid(label: Tensor, source: Image): Image {
  const data = T.tidy(() => {
    const back = resampleToSize(label, [...source.shape] as [number, number, number], 'nearest');
    return back.to('uint8').contiguous().data() as Uint8Array;
  });
  return new Image({ data, shape: source.shape, affine: source.affine, header: source.header, source: source.source });
}
