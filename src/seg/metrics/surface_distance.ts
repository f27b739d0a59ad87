// Surface distances between a predicted and a reference class, in mm, as
// MONAI's compute_hausdorff_distance(percentile=95) and
// compute_average_surface_distance(symmetric=True) compute them.
import * as T from '../../engine/index.js';
import type { Tensor } from '../../engine/index.js';
import { type Shape3, type Spacing3, squaredDistanceTransform } from './distance_transform.js';
import { labelVolumes, resolveClassIds } from './label_volume.js';

export type { Spacing3 } from './distance_transform.js';

export interface SurfaceDistanceOptions {
  /**
   * Reported when exactly one of the two masks is empty; NaN by default, so
   * the case drops out of nanmean (nnU-Net reports no surface metric at all).
   * MONAI warns and fills that case's distances with inf
   * (get_surface_distance): its ASSD is then +Infinity (pass Infinity to
   * match), while its HD95 comes out NaN, since np.percentile over inf values
   * computes inf − inf. Both masks empty is NaN either way, as in MONAI.
   */
  whenOneEmpty?: number;
}

/** Distances from each surface voxel of one mask to the other mask's surface. */
export interface SurfaceDistances {
  predEmpty: boolean;
  refEmpty: boolean;
  /** mm, one per prediction surface voxel; empty unless both masks have voxels. */
  predToRef: Float64Array;
  /** mm, one per reference surface voxel; empty unless both masks have voxels. */
  refToPred: Float64Array;
}

/** 95th-percentile symmetric Hausdorff distance (mm) per class id, in the order given. */
export function hausdorff95(
  prediction: Tensor,
  reference: Tensor,
  spacing: Spacing3,
  classIds?: readonly number[],
  options: SurfaceDistanceOptions = {},
): number[] {
  return perClass(prediction, reference, spacing, classIds, (d) => hausdorff95FromDistances(d, options));
}

/** Average symmetric surface distance (mm) per class id, in the order given. */
export function assd(
  prediction: Tensor,
  reference: Tensor,
  spacing: Spacing3,
  classIds?: readonly number[],
  options: SurfaceDistanceOptions = {},
): number[] {
  return perClass(prediction, reference, spacing, classIds, (d) => assdFromDistances(d, options));
}

function perClass(
  prediction: Tensor,
  reference: Tensor,
  spacing: Spacing3,
  classIds: readonly number[] | undefined,
  measure: (d: SurfaceDistances) => number,
): number[] {
  return T.tidy(() => {
    const [p, r] = labelVolumes(prediction, reference);
    return resolveClassIds(p, r, classIds).map((c) => measure(surfaceDistances(p, r, c, spacing)));
  });
}

/** max of the two directed 95th percentiles (numpy's linear interpolation). */
export function hausdorff95FromDistances(d: SurfaceDistances, options: SurfaceDistanceOptions = {}): number {
  return emptyCaseValue(d, options) ?? Math.max(percentile(d.predToRef, 95), percentile(d.refToPred, 95));
}

/** Mean of both surfaces' distances pooled. */
export function assdFromDistances(d: SurfaceDistances, options: SurfaceDistanceOptions = {}): number {
  const empty = emptyCaseValue(d, options);
  if (empty !== undefined) return empty;
  let sum = 0;
  for (const v of d.predToRef) sum += v;
  for (const v of d.refToPred) sum += v;
  return sum / (d.predToRef.length + d.refToPred.length);
}

function emptyCaseValue(d: SurfaceDistances, options: SurfaceDistanceOptions): number | undefined {
  if (d.predEmpty && d.refEmpty) return NaN;
  if (d.predEmpty || d.refEmpty) return options.whenOneEmpty ?? NaN;
  return undefined;
}

/**
 * Surface distances of class `classId` between two label maps of one shape
 * ([X, Y, Z] or [1, X, Y, Z]), whose voxels are `spacing` mm apart along X, Y and Z. Works on
 * the bounding box of the union of both masks, so the cost follows the
 * organ's size rather than the volume's.
 */
export function surfaceDistances(prediction: Tensor, reference: Tensor, classId: number, spacing: Spacing3): SurfaceDistances {
  checkSpacing(spacing);
  const crop = T.tidy(() => {
    const [p, r] = labelVolumes(prediction, reference);
    return cropToUnion(p.eq(classId), r.eq(classId));
  });
  if (crop === undefined) return { predEmpty: true, refEmpty: true, predToRef: new Float64Array(0), refToPred: new Float64Array(0) };
  const predSurface = surfaceVoxels(crop.prediction, crop.shape);
  const refSurface = surfaceVoxels(crop.reference, crop.shape);
  const predEmpty = !predSurface.includes(1);
  const refEmpty = !refSurface.includes(1);
  if (predEmpty || refEmpty) return { predEmpty, refEmpty, predToRef: new Float64Array(0), refToPred: new Float64Array(0) };
  return {
    predEmpty,
    refEmpty,
    predToRef: distancesAt(predSurface, squaredDistanceTransform(refSurface, crop.shape, spacing)),
    refToPred: distancesAt(refSurface, squaredDistanceTransform(predSurface, crop.shape, spacing)),
  };
}

function checkSpacing(spacing: Spacing3): void {
  if (spacing.length !== 3 || !spacing.every((s) => Number.isFinite(s) && s > 0)) {
    throw new RangeError(`spacing must be three positive numbers of mm (X, Y, Z), got [${spacing.join(', ')}]`);
  }
}

interface MaskPair {
  prediction: Uint8Array;
  reference: Uint8Array;
  shape: Shape3;
}

/**
 * Both masks inside the bounding box of their union, with a margin of one
 * empty voxel on every side. Outside the box both masks are empty, and the
 * margin plays the part of scipy's border_value=0 at the volume's edge, so
 * erosion and distances come out as on the whole volume.
 */
function cropToUnion(inPrediction: Tensor, inReference: Tensor): MaskPair | undefined {
  const union = inPrediction.logicalOr(inReference).to('uint8');
  const box: [number, number][] = [];
  for (const [axis, others] of [[0, [1, 2]], [1, [0, 2]], [2, [0, 1]]] as const) {
    const occupied = union.amax(others).cpu().data() as Uint8Array;
    const first = occupied.indexOf(1);
    if (first < 0) return undefined;
    box[axis] = [first, occupied.lastIndexOf(1) + 1];
  }
  const shape = box.map(([lo, hi]) => hi - lo + 2) as unknown as Shape3;
  const pad = (mask: Tensor): Uint8Array => {
    let inside = mask;
    box.forEach(([lo, hi], axis) => (inside = inside.slice(axis, lo, hi)));
    const values = inside.to('uint8').cpu().data() as Uint8Array;
    const [, ny, nz] = shape;
    const [bx, by, bz] = box.map(([lo, hi]) => hi - lo);
    const padded = new Uint8Array(shape[0] * ny * nz);
    for (let x = 0; x < bx; x++) {
      for (let y = 0; y < by; y++) {
        const from = (x * by + y) * bz;
        padded.set(values.subarray(from, from + bz), ((x + 1) * ny + y + 1) * nz + 1);
      }
    }
    return padded;
  };
  return { prediction: pad(inPrediction), reference: pad(inReference), shape };
}

/**
 * The mask's voxels that erosion by the 6-neighbour (face-connected) cross
 * removes: mask AND NOT binary_erosion(mask), as MONAI's get_mask_edges.
 * The grid's outermost layer must be empty (see cropToUnion).
 */
function surfaceVoxels(mask: Uint8Array, shape: Shape3): Uint8Array {
  const [nx, ny, nz] = shape;
  const sx = ny * nz;
  const edges = new Uint8Array(mask.length);
  for (let x = 1; x < nx - 1; x++) {
    for (let y = 1; y < ny - 1; y++) {
      for (let z = 1, i = x * sx + y * nz + 1; z < nz - 1; z++, i++) {
        if (!mask[i]) continue;
        const interior = mask[i - 1] && mask[i + 1] && mask[i - nz] && mask[i + nz] && mask[i - sx] && mask[i + sx];
        if (!interior) edges[i] = 1;
      }
    }
  }
  return edges;
}

function distancesAt(surface: Uint8Array, squaredDistances: Float64Array): Float64Array {
  let count = 0;
  for (let i = 0; i < surface.length; i++) count += surface[i];
  const out = new Float64Array(count);
  for (let i = 0, j = 0; i < surface.length; i++) if (surface[i]) out[j++] = Math.sqrt(squaredDistances[i]);
  return out;
}

/** numpy.percentile(values, q) with its default 'linear' method. */
export function percentile(values: Float64Array, q: number): number {
  if (values.length === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  const position = (q / 100) * (sorted.length - 1);
  const lo = Math.floor(position);
  const hi = Math.min(lo + 1, sorted.length - 1);
  const t = position - lo;
  const a = sorted[lo];
  const b = sorted[hi];
  // numpy's _lerp: from the nearer end, so t = 1 lands exactly on b.
  return t >= 0.5 ? b - (b - a) * (1 - t) : a + (b - a) * t;
}
