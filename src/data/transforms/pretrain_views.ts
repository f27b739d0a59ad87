// SMIT's pre-training recipe (SMIT-SPEC §2): resample, window, crop to the
// foreground, pad, one random large crop, then two random view crops of it.
import * as T from '../../engine/index.js';
import type { Tensor } from '../../engine/index.js';
import type { SeededRandom } from '../seeded-random.js';
import { cropBox, foregroundBox, padToAtLeast, randomCropBox } from './crop.js';
import { resampleToSpacing } from './resample.js';
import type { Vec3 } from './volume_tensor.js';

export interface IntensityWindow {
  aMin: number;
  aMax: number;
  bMin: number;
  bMax: number;
}

export interface PretrainRecipe {
  spacing: Vec3; // 2, 2, 2 mm
  /**
   * CT: a fixed HU window; MRI: percentiles (e.g. 0.5 and 99.5) mapped to [0, 1];
   * auto: per volume, the CT window when it holds air below −500 HU, else percentiles.
   */
  intensity:
    | { kind: 'window'; window: IntensityWindow }
    | { kind: 'percentile'; lower: number; upper: number }
    | { kind: 'auto'; window: IntensityWindow; lower: number; upper: number };
  region: Vec3; // 128³
  view: Vec3; // 96³
}

export const CT_WINDOW: IntensityWindow = { aMin: -175, aMax: 250, bMin: 0, bMax: 1 };

export const CT_PRETRAIN: PretrainRecipe = {
  spacing: [2, 2, 2],
  intensity: { kind: 'window', window: CT_WINDOW },
  region: [128, 128, 128],
  view: [96, 96, 96],
};

/** Maps [aMin, aMax] → [bMin, bMax] linearly and clips. */
export function applyWindow(volume: Tensor, w: IntensityWindow): Tensor {
  return volume.sub(w.aMin).div(w.aMax - w.aMin).mul(w.bMax - w.bMin).add(w.bMin).clamp(Math.min(w.bMin, w.bMax), Math.max(w.bMin, w.bMax));
}

/** Percentile clipping to [0, 1] (MRI intensities have no absolute scale). */
export function applyPercentileScale(volume: Tensor, lower: number, upper: number): Tensor {
  return T.tidy(() => {
    const flat = volume.reshape([-1]);
    const sample = flat.size(0) > 1 << 22 ? flat.slice(0, 0, null, Math.ceil(flat.size(0) / (1 << 22))) : flat;
    const lo = sample.quantile(lower / 100).item();
    const hi = sample.quantile(upper / 100).item();
    return applyWindow(volume, { aMin: lo, aMax: hi > lo ? hi : lo + 1, bMin: 0, bMax: 1 });
  });
}

/** Resample + intensity + foreground crop + pad: done once per volume and cached. */
export function preprocessForPretraining(volume: Tensor, spacing: Vec3, recipe: PretrainRecipe): Tensor {
  return T.tidy(() => {
    const resampled = resampleToSpacing(volume, spacing, recipe.spacing, 'trilinear');
    const intensity = recipe.intensity;
    let scaled: Tensor;
    if (intensity.kind === 'window') scaled = applyWindow(resampled, intensity.window);
    else if (intensity.kind === 'auto' && resampled.min().item() < -500) scaled = applyWindow(resampled, intensity.window);
    else scaled = applyPercentileScale(resampled, intensity.lower, intensity.upper);
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
