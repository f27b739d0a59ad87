import { DataError } from '../data_error.js';
import { Image } from '../image.js';
import { allocateVoxels } from '../voxel_array.js';
import type { Ijk } from '../axis_order.js';
import { type Affine, linearPart, nearestOrthogonal } from './affine.js';

/** Where one voxel index axis points: world axis 0 (x), 1 (y) or 2 (z), and the sign. */
export interface AxisOrientation {
  worldAxis: number;
  sign: 1 | -1;
}

const POSITIVE_CODES = 'RAS';
const NEGATIVE_CODES = 'LPI';

/**
 * The world axis closest to each voxel axis, as nibabel's io_orientation:
 * take the rotation nearest to the affine's direction matrix and, voxel axis
 * by voxel axis, pick the world axis it is most aligned with, excluding the
 * world axes already taken.
 */
export function orientationOf(affine: Affine): AxisOrientation[] {
  const m = linearPart(affine);
  for (let c = 0; c < 3; c++) {
    const norm = Math.hypot(m[c], m[3 + c], m[6 + c]) || 1;
    for (let r = 0; r < 3; r++) m[r * 3 + c] /= norm;
  }
  const rotation = nearestOrthogonal(m);
  const taken = [false, false, false];
  return [0, 1, 2].map((c) => {
    let best = -1;
    for (let r = 0; r < 3; r++) {
      if (!taken[r] && (best < 0 || Math.abs(rotation[r * 3 + c]) > Math.abs(rotation[best * 3 + c]))) best = r;
    }
    taken[best] = true;
    return { worldAxis: best, sign: rotation[best * 3 + c] < 0 ? -1 : 1 };
  });
}

/** Axis codes like nibabel's aff2axcodes: the direction each voxel axis increases toward, e.g. 'LAS'. */
export function axisCodes(affine: Affine): string {
  return orientationOf(affine)
    .map(({ worldAxis, sign }) => (sign > 0 ? POSITIVE_CODES : NEGATIVE_CODES)[worldAxis])
    .join('');
}

function parseAxisCodes(codes: string): AxisOrientation[] {
  const axes = [...codes.toUpperCase()].map((code) => {
    const positive = POSITIVE_CODES.indexOf(code);
    const negative = NEGATIVE_CODES.indexOf(code);
    if (positive < 0 && negative < 0) throw new Error(`invalid axis code '${code}' in '${codes}'`);
    return positive >= 0 ? { worldAxis: positive, sign: 1 as const } : { worldAxis: negative, sign: -1 as const };
  });
  if (axes.length !== 3 || new Set(axes.map((a) => a.worldAxis)).size !== 3) {
    throw new Error(`axis codes '${codes}' must name each of R/L, A/P, S/I once`);
  }
  return axes;
}

/**
 * How reorienting a grid to `codes` re-lays it, by permuting and flipping axes
 * only: for output axis a, the input axis it reads (`sourceAxis[a]`) and
 * whether it runs backwards; the output's size and affine.
 */
export interface Reorientation {
  sourceAxis: number[];
  flipped: boolean[];
  size: Ijk;
  affine: Affine;
  /** The grid already has that layout. */
  identity: boolean;
}

export function reorientation(affine: Affine, size: Ijk, codes: string): Reorientation {
  const target = parseAxisCodes(codes);
  const current = orientationOf(affine);
  const sourceAxis = target.map((t) => current.findIndex((c) => c.worldAxis === t.worldAxis));
  const flipped = target.map((t, a) => current[sourceAxis[a]].sign !== t.sign);
  const out = new Float64Array(affine);
  for (let a = 0; a < 3; a++) {
    const s = sourceAxis[a];
    for (let r = 0; r < 3; r++) {
      const step = affine[r * 4 + s];
      out[r * 4 + a] = flipped[a] ? -step : step;
      if (flipped[a]) out[r * 4 + 3] += step * (size[s] - 1);
    }
  }
  const identity = sourceAxis.every((s, a) => s === a) && !flipped.some(Boolean);
  return { sourceAxis, flipped, size: sourceAxis.map((s) => size[s]) as Ijk, affine: out, identity };
}

/**
 * The same voxels re-laid so that the index axes point along `codes` (for
 * example 'RAS', or the codes of another image to go back), by permuting and
 * flipping axes only — no resampling — with the affine updated to match.
 */
export function reorient(image: Image, codes: string): Image {
  const size = image.size;
  const { sourceAxis, flipped, size: outSize, affine, identity } = reorientation(image.affine, size, codes);
  if (identity) return image;

  const inStride = [1, size[0], size[0] * size[1]];
  const start = [0, 1, 2].reduce((sum, a) => sum + (flipped[a] ? (size[sourceAxis[a]] - 1) * inStride[sourceAxis[a]] : 0), 0);
  const step = [0, 1, 2].map((a) => (flipped[a] ? -1 : 1) * inStride[sourceAxis[a]]);
  const input = image.data;
  const output = allocateVoxels(image.voxelType, input.length);
  const rowLength = outSize[0];
  // Rows that run along the input's x axis, forwards or backwards, are copied whole (native, whatever the voxel type).
  const copyRow =
    step[0] === 1
      ? (from: number, o: number) => output.set(input.subarray(from, from + rowLength), o)
      : step[0] === -1
        ? (from: number, o: number) => {
            const row = output.subarray(o, o + rowLength);
            row.set(input.subarray(from - rowLength + 1, from + 1));
            row.reverse();
          }
        : (from: number, o: number) => {
            for (let i = 0, offset = from; i < rowLength; i++, offset += step[0]) output[o + i] = input[offset];
          };
  let o = 0;
  for (let k = 0, zOffset = start; k < outSize[2]; k++, zOffset += step[2]) {
    for (let j = 0, yOffset = zOffset; j < outSize[1]; j++, yOffset += step[1], o += rowLength) copyRow(yOffset, o);
  }
  return new Image({
    data: output,
    shape: [outSize[2], outSize[1], outSize[0]],
    affine,
    header: image.header,
    source: image.source,
  });
}

/** nibabel's as_closest_canonical: axes permuted/flipped to RAS. */
export function toCanonical(image: Image): Image {
  return reorient(image, 'RAS');
}

/** Reorients `image` to the axis layout of `reference` (for example a prediction made in RAS back to its input's layout). */
export function reorientLike(image: Image, reference: Image): Image {
  const result = reorient(image, axisCodes(reference.affine));
  const [nz, ny, nx] = reference.shape;
  if (result.shape[0] !== nz || result.shape[1] !== ny || result.shape[2] !== nx) {
    throw new DataError(
      image.source ?? 'image',
      `reoriented shape [${result.shape.join(', ')}] differs from the reference's [${reference.shape.join(', ')}]`,
    );
  }
  return result;
}
