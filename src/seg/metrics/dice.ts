// Dice overlap per class between two integer label maps.
import * as T from '../../engine/index.js';
import type { Tensor } from '../../engine/index.js';
import { labelVolumes, resolveClassIds } from './label_volume.js';

export interface DiceOptions {
  /**
   * MONAI's DiceMetric(ignore_empty=True) rule: NaN whenever the reference
   * class is empty, whatever was predicted. Off by default (see diceFromCounts).
   */
  ignoreEmptyReference?: boolean;
}

/** Voxel counts of one class: in the prediction, in the reference, in both. */
export interface OverlapCounts {
  predVoxels: number;
  refVoxels: number;
  intersection: number;
}

/**
 * Dice per class id, in the order given. `classIds` defaults to 1 … the
 * largest label present (background excluded); name 0 to score it.
 */
export function dice(prediction: Tensor, reference: Tensor, classIds?: readonly number[], options: DiceOptions = {}): number[] {
  return T.tidy(() => {
    const [p, r] = labelVolumes(prediction, reference);
    return resolveClassIds(p, r, classIds).map((c) => diceFromCounts(overlapCounts(p, r, c), options));
  });
}

/** Counts of class `classId` in two [X, Y, Z] label maps of one shape. */
export function overlapCounts(prediction: Tensor, reference: Tensor, classId: number): OverlapCounts {
  return T.tidy(() => {
    const inPrediction = prediction.eq(classId);
    const inReference = reference.eq(classId);
    return {
      predVoxels: inPrediction.sum().item(),
      refVoxels: inReference.sum().item(),
      intersection: inPrediction.logicalAnd(inReference).sum().item(),
    };
  });
}

/**
 * 2·|P∩R| / (|P| + |R|). Empty cases follow nnU-Net (evaluate_predictions:
 * NaN when tp + fp + fn = 0): both empty → NaN, so the case drops out of
 * nanmean; reference empty but something predicted → 0, so false positives
 * on an absent organ are penalised. MONAI's DiceMetric(ignore_empty=True)
 * returns NaN for an empty reference whatever the prediction
 * (`ignoreEmptyReference`); with ignore_empty=False it returns 1 for both empty.
 */
export function diceFromCounts(counts: OverlapCounts, options: DiceOptions = {}): number {
  const { predVoxels, refVoxels, intersection } = counts;
  if (refVoxels === 0 && (predVoxels === 0 || options.ignoreEmptyReference)) return NaN;
  return (2 * intersection) / (predVoxels + refVoxels);
}

/** Mean of the values that are not NaN (NaN when none is), as numpy.nanmean. */
export function nanmean(values: readonly number[]): number {
  let sum = 0;
  let count = 0;
  for (const v of values) {
    if (Number.isNaN(v)) continue;
    sum += v;
    count++;
  }
  return count === 0 ? NaN : sum / count;
}
