import type { Ijk, Xyz } from '../axis_order.js';

/**
 * 4×4 affines stored row-major in a Float64Array(16): element (r, c) is at
 * r * 4 + c. Column c < 3 is the world step of one voxel along index axis c,
 * column 3 the world position of voxel (0, 0, 0).
 */
export type Affine = Float64Array;

export function affineFromRows(rows: readonly (readonly number[])[]): Affine {
  const affine = identityAffine();
  for (let r = 0; r < rows.length && r < 4; r++) {
    for (let c = 0; c < 4; c++) affine[r * 4 + c] = rows[r][c];
  }
  return affine;
}

export function identityAffine(): Affine {
  const affine = new Float64Array(16);
  affine[0] = affine[5] = affine[10] = affine[15] = 1;
  return affine;
}

export function applyAffine(affine: Affine, point: readonly number[]): Xyz {
  const out: Xyz = [0, 0, 0];
  for (let r = 0; r < 3; r++) {
    out[r] = affine[r * 4] * point[0] + affine[r * 4 + 1] * point[1] + affine[r * 4 + 2] * point[2] + affine[r * 4 + 3];
  }
  return out;
}

export function affineColumn(affine: Affine, column: number): Xyz {
  return [affine[column], affine[4 + column], affine[8 + column]];
}

/** The upper-left 3×3 block, row-major. */
export function linearPart(affine: Affine): Float64Array {
  const m = new Float64Array(9);
  for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) m[r * 3 + c] = affine[r * 4 + c];
  return m;
}

/** Voxel size along each index axis: the lengths of the first three columns. */
export function spacingOf(affine: Affine): Ijk {
  return [0, 1, 2].map((c) => Math.hypot(...affineColumn(affine, c))) as Ijk;
}

export function originOf(affine: Affine): Xyz {
  return [affine[3], affine[7], affine[11]];
}

/** Row-major 3×3 whose column c is the unit world direction of index axis c. */
export function directionOf(affine: Affine): Float64Array {
  const spacing = spacingOf(affine);
  const m = linearPart(affine);
  for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) m[r * 3 + c] /= spacing[c] || 1;
  return m;
}

export function maxAbsDifference(a: Affine, b: Affine): number {
  let worst = 0;
  for (let i = 0; i < 16; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

export function determinant3(m: Float64Array): number {
  return (
    m[0] * (m[4] * m[8] - m[5] * m[7]) -
    m[1] * (m[3] * m[8] - m[5] * m[6]) +
    m[2] * (m[3] * m[7] - m[4] * m[6])
  );
}

export function invert3(m: Float64Array): Float64Array {
  const det = determinant3(m);
  if (det === 0) throw new Error('singular 3×3 matrix');
  const inv = new Float64Array(9);
  inv[0] = (m[4] * m[8] - m[5] * m[7]) / det;
  inv[1] = (m[2] * m[7] - m[1] * m[8]) / det;
  inv[2] = (m[1] * m[5] - m[2] * m[4]) / det;
  inv[3] = (m[5] * m[6] - m[3] * m[8]) / det;
  inv[4] = (m[0] * m[8] - m[2] * m[6]) / det;
  inv[5] = (m[2] * m[3] - m[0] * m[5]) / det;
  inv[6] = (m[3] * m[7] - m[4] * m[6]) / det;
  inv[7] = (m[1] * m[6] - m[0] * m[7]) / det;
  inv[8] = (m[0] * m[4] - m[1] * m[3]) / det;
  return inv;
}

/**
 * The orthogonal matrix nearest to m (the polar factor, which is what an SVD
 * U·Vᵀ gives), by Newton iteration X ← (X + X⁻ᵀ) / 2.
 */
export function nearestOrthogonal(m: Float64Array): Float64Array {
  let x = Float64Array.from(m);
  for (let iteration = 0; iteration < 50; iteration++) {
    const inv = invert3(x);
    const next = new Float64Array(9);
    let change = 0;
    for (let r = 0; r < 3; r++) {
      for (let c = 0; c < 3; c++) {
        next[r * 3 + c] = 0.5 * (x[r * 3 + c] + inv[c * 3 + r]);
        change = Math.max(change, Math.abs(next[r * 3 + c] - x[r * 3 + c]));
      }
    }
    x = next;
    if (change < 1e-15) break;
  }
  return x;
}
