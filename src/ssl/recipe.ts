// SMIT's pre-training recipe (SMIT-SPEC §2): resample, intensity, crop to the
// foreground, pad, one random large crop, then two random view crops of it.
import * as T from '../engine/index.js';
import type { Tensor } from '../engine/index.js';
import type { SmitConfig } from '../models/index.js';
import type { PretrainOptions } from './pretrain_options.js';
import {
  CT_WINDOW,
  type Ijk,
  type Normalization,
  type SeededRandom,
  normalizeIntensity_,
  transforms,
} from '../data/index.js';

const { cropBox, foregroundBox, padToAtLeast, randomCropBox, resampleToSpacing } = transforms;

export interface PretrainRecipe {
  /** Voxel spacing (x, y, z) in mm. */
  spacing: Ijk;
  /** CT: the HU window; MRI: 0.5–99.5 percentiles → [0, 1]; auto: per volume. */
  intensity: Normalization;
  /** The random region crop and the two view crops inside it, (x, y, z) voxels. */
  region: Ijk;
  view: Ijk;
}

export const CT_PRETRAIN: PretrainRecipe = {
  spacing: [2, 2, 2],
  intensity: { kind: 'window', window: CT_WINDOW },
  region: [128, 128, 128],
  view: [96, 96, 96],
};

/** The recipe an options set asks for: the region defaults to the view × 4/3, in 16-voxel steps (128³ for 96³ views). */
export function recipeFromOptions(o: PretrainOptions, config: SmitConfig): PretrainRecipe {
  const view = config.imgSize;
  const region = o.region ?? (view.map((v) => Math.round((v * 4) / 3 / 16) * 16) as Ijk);
  const percentiles = { lower: 0.5, upper: 99.5 };
  const intensity: Normalization =
    o.modality === 'ct'
      ? { kind: 'window', window: CT_WINDOW }
      : o.modality === 'mri'
        ? { kind: 'percentile', ...percentiles }
        : { kind: 'auto', window: CT_WINDOW, ...percentiles };
  return { spacing: o.spacing, intensity, region, view };
}

/** Resample + intensity + foreground crop + pad of a [1, X, Y, Z] volume in RAS: done once per volume and cached. */
export function preprocessForPretraining(volume: Tensor, spacing: Ijk, recipe: PretrainRecipe): Tensor {
  return T.tidy(() => {
    const resampled = resampleToSpacing(volume, spacing, recipe.spacing, 'trilinear');
    const scaled = normalizeIntensity_(resampled, recipe.intensity);
    const box = foregroundBox(scaled, (v) => v.gt(0));
    const cropped = cropBox(scaled, box);
    return padToAtLeast(cropped, recipe.region).contiguous();
  });
}

/** Two random views [2, C, ...view] from a preprocessed volume. */
export function samplePretrainViews(volume: Tensor, recipe: PretrainRecipe, rng: SeededRandom): Tensor {
  return T.tidy(() => {
    const region = cropBox(volume, randomCropBox(volume.shape.slice(1), recipe.region, rng));
    const regionSize = region.shape.slice(1);
    const views = [0, 1].map(() => cropBox(region, randomCropBox(regionSize, recipe.view, rng)));
    return T.stack(views);
  });
}
