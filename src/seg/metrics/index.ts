// Segmentation metrics: Dice, HD95 and ASSD per class.
import * as T from '../../engine/index.js';
import type { Tensor } from '../../engine/index.js';
import { type DiceOptions, diceFromCounts, overlapCounts } from './dice.js';
import { labelVolumes, resolveClassIds } from './label_volume.js';
import {
  type Spacing3,
  type SurfaceDistanceOptions,
  assdFromDistances,
  hausdorff95FromDistances,
  surfaceDistances,
} from './surface_distance.js';

export { dice, diceFromCounts, nanmean, overlapCounts } from './dice.js';
export type { DiceOptions, OverlapCounts } from './dice.js';
export { assd, hausdorff95, percentile, surfaceDistances } from './surface_distance.js';
export type { Spacing3, SurfaceDistanceOptions, SurfaceDistances } from './surface_distance.js';
export { squaredDistanceTransform } from './distance_transform.js';

export interface ClassMetrics {
  classId: number;
  dice: number;
  /** mm */
  hd95: number;
  /** mm */
  assd: number;
  predVoxels: number;
  refVoxels: number;
}

/**
 * Every metric of every class id (default: 1 … the largest label present) of
 * one case; the surface distances are computed once per class for both.
 */
export function caseMetrics(
  prediction: Tensor,
  reference: Tensor,
  spacing: Spacing3,
  classIds?: readonly number[],
  options: DiceOptions & SurfaceDistanceOptions = {},
): ClassMetrics[] {
  return T.tidy(() => {
    const [p, r] = labelVolumes(prediction, reference);
    return resolveClassIds(p, r, classIds).map((classId) => {
      const counts = overlapCounts(p, r, classId);
      const distances = surfaceDistances(p, r, classId, spacing);
      return {
        classId,
        dice: diceFromCounts(counts, options),
        hd95: hausdorff95FromDistances(distances, options),
        assd: assdFromDistances(distances, options),
        predVoxels: counts.predVoxels,
        refVoxels: counts.refVoxels,
      };
    });
  });
}
