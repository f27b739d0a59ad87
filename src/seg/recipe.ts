// SMIT fine-tuning's preprocessing (SMIT-SPEC §3, the official data_utils.py):
// RAS, resampling (bilinear images, nearest labels), intensity, foreground
// crop, pad to the crop. The same recipe is stored in every segmentation model
// file, so `segment` preprocesses a scan exactly as training did — and maps
// the prediction back onto the scan's own grid.
import * as T from '../engine/index.js';
import type { Tensor } from '../engine/index.js';
import {
  CT_WINDOW,
  Image,
  type Ijk,
  type Normalization,
  normalizeIntensity_,
  reorientLike,
  transforms,
} from '../data/index.js';

const { canonicalTensor, cropBox, foregroundBox, padToAtLeast, resampleToSize, resampledShape } = transforms;
type ImageGrid = transforms.ImageGrid;

export interface SegRecipe {
  /** Voxel spacing (x, y, z) in mm after resampling. */
  spacing: Ijk;
  intensity: Normalization;
  /** The training crop = the sliding window (x, y, z voxels). */
  crop: Ijk;
}

/** The published CT recipe: 1.5×1.5×2 mm, HU window [−175, 250] → [0, 1], 96³ crops. */
export const CT_SEG_RECIPE: SegRecipe = { spacing: [1.5, 1.5, 2], intensity: { kind: 'window', window: CT_WINDOW }, crop: [96, 96, 96] };


export interface PreparedScan {
  /** [1, X, Y, Z] float32: resampled, normalised, cropped to the foreground, padded to at least the crop. */
  image: Tensor;
  /** [1, X, Y, Z] uint8 on the same voxels, when a label map was given. */
  label?: Tensor;
  /** The scan's grid in RAS (geometry and header only). */
  canonical: ImageGrid;
  /** Size of the whole resampled grid. */
  resampledSize: Ijk;
  /** Where `image` came from in the resampled grid: start of the foreground box, and the padding before it. */
  cropStart: Ijk;
  padBefore: Ijk;
  /** The foreground box's size (before padding). */
  cropSize: Ijk;
}

/** Preprocesses a scan (and its label map, on the same grid) as the recipe says; the tensors are kept alive. */
export function prepareScan(scan: Image, recipe: SegRecipe, label?: Image): PreparedScan {
  return T.tidy(() => {
    const ras = canonicalTensor(scan);
    const resampledSize = resampledShape(ras.volume.shape.slice(1), ras.spacing, recipe.spacing);
    const resampled = resampleToSize(ras.volume, resampledSize, 'trilinear');
    ras.volume.dispose();
    // MONAI's CropForeground: voxels > 0 of the normalised image (inside the body for CT; z-scored MRI uses the raw > 0).
    const rawBox = recipe.intensity.kind === 'zscore' ? foregroundBox(resampled, (v) => v.gt(0)) : undefined;
    const scaled = normalizeIntensity_(resampled, recipe.intensity);
    const box = rawBox ?? foregroundBox(scaled, (v) => v.gt(0));
    const cropSize = box.end.map((e, a) => e - box.start[a]) as Ijk;
    const padBefore = cropSize.map((s, a) => Math.floor(Math.max(0, recipe.crop[a] - s) / 2)) as Ijk;
    const image = T.keep(padToAtLeast(cropBox(scaled, box), recipe.crop).contiguous());
    let labelTensor: Tensor | undefined;
    if (label) {
      const l = resampleToSize(canonicalTensor(label).volume.to('uint8'), resampledSize, 'nearest');
      labelTensor = T.keep(padToAtLeast(cropBox(l, box), recipe.crop).contiguous());
    }
    return { image, label: labelTensor, canonical: ras.grid, resampledSize, cropStart: box.start, padBefore, cropSize };
  });
}

/**
 * A label map [X, Y, Z] (uint8) predicted on `prepared.image`, put back on the
 * source scan's grid: unpadded, placed in the resampled grid (background
 * outside the foreground box), resampled nearest to the RAS grid, reoriented
 * to the scan's own axis order. Returns an Image with the scan's affine and header.
 */
export function labelsToSourceGrid(labels: Tensor, prepared: PreparedScan, source: Image): Image {
  const ras = T.tidy(() => {
    const [px, py, pz] = prepared.padBefore;
    const [sx, sy, sz] = prepared.cropSize;
    const inner = labels.narrow(0, px, sx).narrow(1, py, sy).narrow(2, pz, sz);
    const [rx, ry, rz] = prepared.resampledSize;
    const [cx, cy, cz] = prepared.cropStart;
    const full = inner.pad([cz, rz - cz - sz, cy, ry - cy - sy, cx, rx - cx - sx], 'constant', 0).unsqueeze(0);
    const [nz, ny, nx] = prepared.canonical.shape;
    const back = resampleToSize(full, [nx, ny, nz], 'nearest');
    const data = back.select(0, 0).permute([2, 1, 0]).to('uint8').contiguous().data() as Uint8Array;
    return new Image({ ...prepared.canonical, data });
  });
  return reorientLike(ras, source);
}
