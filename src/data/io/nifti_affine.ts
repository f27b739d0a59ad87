import { type Affine, determinant3, identityAffine, linearPart, nearestOrthogonal } from '../geometry/affine.js';
import type { NiftiHeader } from './nifti_header.js';

/** nibabel's Nifti1Header.quaternion_threshold: -3 × float32 epsilon. */
const QUATERNION_THRESHOLD = -3 * 1.1920928955078125e-7;

/**
 * The header's voxel-to-world affine with nibabel's precedence
 * (`get_best_affine`): sform if sform_code > 0, else qform if qform_code > 0,
 * else the ANALYZE-style base affine (x flipped, centred on the volume). A
 * coded sform that is zero, singular or not finite counts as absent (nibabel
 * would return it as it is). Throws, with the reason, when the transform used
 * is invalid: a quaternion above unit norm, non-finite qform fields, or voxel
 * sizes (pixdim) that are not positive and finite.
 */
export function niftiAffine(header: NiftiHeader): Affine {
  if (header.sformCode > 0) {
    const sform = sformAffine(header);
    const det = determinant3(linearPart(sform));
    if (sform.every(Number.isFinite) && Math.abs(det) > 0) return sform;
  }
  if (header.qformCode > 0) return qformAffine(header);
  return baseAffine(header);
}

function sformAffine(header: NiftiHeader): Affine {
  const affine = identityAffine();
  [header.srowX, header.srowY, header.srowZ].forEach((row, r) => {
    for (let c = 0; c < 4; c++) affine[r * 4 + c] = row[c];
  });
  return affine;
}

/** pixdim[1..3] for the dimensions the file has (1 beyond them). */
function voxelSizes(header: NiftiHeader): [number, number, number] {
  return [1, 2, 3].map((i) => {
    if (header.dim[0] < i) return 1;
    const size = header.pixdim[i];
    if (!(Number.isFinite(size) && size > 0)) throw new Error(`voxel size pixdim[${i}] = ${size} must be a positive finite number`);
    return size;
  }) as [number, number, number];
}

function qformAffine(header: NiftiHeader): Affine {
  const b = header.quaternB;
  const c = header.quaternC;
  const d = header.quaternD;
  const fields = [b, c, d, header.qoffsetX, header.qoffsetY, header.qoffsetZ];
  if (!fields.every(Number.isFinite)) throw new Error(`qform has non-finite values (quatern ${b}, ${c}, ${d}; offset ${fields.slice(3).join(', ')})`);
  let w2 = 1 - (b * b + c * c + d * d);
  if (w2 < 0) {
    if (w2 < QUATERNION_THRESHOLD) throw new Error(`qform quaternion (${b}, ${c}, ${d}) has norm above 1`);
    w2 = 0;
  }
  const rotation = quaternionToMatrix(Math.sqrt(w2), b, c, d);
  const zooms = voxelSizes(header);
  // qfac (pixdim[0]) is -1 for a left-handed voxel grid; nibabel treats anything else as 1.
  if (header.pixdim[0] === -1) zooms[2] = -zooms[2];
  const affine = identityAffine();
  for (let r = 0; r < 3; r++) for (let col = 0; col < 3; col++) affine[r * 4 + col] = rotation[r * 3 + col] * zooms[col];
  affine[3] = header.qoffsetX;
  affine[7] = header.qoffsetY;
  affine[11] = header.qoffsetZ;
  return affine;
}

function baseAffine(header: NiftiHeader): Affine {
  const zooms = voxelSizes(header);
  zooms[0] = -zooms[0];
  const affine = identityAffine();
  for (let axis = 0; axis < 3; axis++) {
    const size = header.dim[0] > axis ? header.dim[axis + 1] : 1;
    affine[axis * 5] = zooms[axis];
    affine[axis * 4 + 3] = (-(size - 1) / 2) * zooms[axis];
  }
  return affine;
}

function quaternionToMatrix(w: number, x: number, y: number, z: number): Float64Array {
  const norm = w * w + x * x + y * y + z * z;
  if (norm < Number.EPSILON) return Float64Array.of(1, 0, 0, 0, 1, 0, 0, 0, 1);
  const s = 2 / norm;
  const [X, Y, Z] = [x * s, y * s, z * s];
  const [wX, wY, wZ] = [w * X, w * Y, w * Z];
  const [xX, xY, xZ] = [x * X, x * Y, x * Z];
  const [yY, yZ, zZ] = [y * Y, y * Z, z * Z];
  return Float64Array.of(
    1 - (yY + zZ), xY - wZ, xZ + wY,
    xY + wZ, 1 - (xX + zZ), yZ - wX,
    xZ - wY, yZ + wX, 1 - (xX + yY),
  );
}

/** Unit quaternion (w ≥ 0) of a rotation matrix (Shepperd's method). */
function matrixToQuaternion(r: Float64Array): [number, number, number, number] {
  const trace = r[0] + r[4] + r[8];
  let q: [number, number, number, number];
  if (trace > 0) {
    const s = 2 * Math.sqrt(trace + 1);
    q = [0.25 * s, (r[7] - r[5]) / s, (r[2] - r[6]) / s, (r[3] - r[1]) / s];
  } else if (r[0] > r[4] && r[0] > r[8]) {
    const s = 2 * Math.sqrt(1 + r[0] - r[4] - r[8]);
    q = [(r[7] - r[5]) / s, 0.25 * s, (r[1] + r[3]) / s, (r[2] + r[6]) / s];
  } else if (r[4] > r[8]) {
    const s = 2 * Math.sqrt(1 + r[4] - r[0] - r[8]);
    q = [(r[2] - r[6]) / s, (r[1] + r[3]) / s, 0.25 * s, (r[5] + r[7]) / s];
  } else {
    const s = 2 * Math.sqrt(1 + r[8] - r[0] - r[4]);
    q = [(r[3] - r[1]) / s, (r[2] + r[6]) / s, (r[5] + r[7]) / s, 0.25 * s];
  }
  return q[0] < 0 ? (q.map((v) => -v) as typeof q) : q;
}

/**
 * A copy of the header whose sform and qform both encode the affine (as
 * nibabel's set_sform / set_qform). The sform is exact (within the header's
 * float precision) and is what readers use first; the qform keeps the nearest
 * rotation, for readers that only look there. Codes already set are kept; a
 * zero sform code becomes the qform code, or 2 (aligned) when both are zero
 * (a fresh header), and then the qform gets the same code.
 */
export function withNiftiAffine(header: NiftiHeader, affine: Affine): NiftiHeader {
  const sformCode = header.sformCode > 0 ? header.sformCode : header.qformCode > 0 ? header.qformCode : 2;
  const qformCode = header.sformCode > 0 || header.qformCode > 0 ? header.qformCode : sformCode;
  const m = linearPart(affine);
  const zooms = [0, 1, 2].map((c) => Math.hypot(m[c], m[3 + c], m[6 + c]) || 1);
  for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) m[r * 3 + c] /= zooms[c];
  let qfac = 1;
  if (determinant3(m) < 0) {
    qfac = -1;
    for (let r = 0; r < 3; r++) m[r * 3 + 2] = -m[r * 3 + 2];
  }
  const [, b, c, d] = matrixToQuaternion(nearestOrthogonal(m));
  const pixdim = [...header.pixdim];
  pixdim[0] = qfac;
  pixdim[1] = zooms[0];
  pixdim[2] = zooms[1];
  pixdim[3] = zooms[2];
  return {
    ...header,
    sformCode,
    qformCode,
    srowX: Array.from(affine.subarray(0, 4)),
    srowY: Array.from(affine.subarray(4, 8)),
    srowZ: Array.from(affine.subarray(8, 12)),
    quaternB: b,
    quaternC: c,
    quaternD: d,
    qoffsetX: affine[3],
    qoffsetY: affine[7],
    qoffsetZ: affine[11],
    pixdim,
  };
}
