import { DataError } from './data_error.js';
import type { Ijk, StorageShape, Xyz } from './axis_order.js';
import {
  type Affine,
  affineFromRows,
  applyAffine,
  directionOf,
  originOf,
  spacingOf,
} from './geometry/affine.js';
import type { NiftiHeader } from './io/nifti_header.js';
import { type VoxelArray, type VoxelType, voxelTypeOf } from './voxel_array.js';

/**
 * A 3-D scalar volume on a world grid.
 *
 * Voxel layout: the file's order, x fastest. `data` is a C-order array of
 * `shape = [nz, ny, nx]`, so voxel (i, j, k) — i along x, j along y, k along z
 * — sits at `(k * ny + j) * nx + i`, and the array is a tensor
 * [1, D = nz, H = ny, W = nx] without a copy.
 *
 * Geometry: `affine` is 4×4 row-major and maps (i, j, k, 1) to world
 * coordinates in millimetres, RAS+ (+x toward the patient's Right, +y
 * Anterior, +z Superior), exactly as nibabel's `img.affine`. Files in LPS
 * (DICOM) are converted on read. `spacing`, `origin` and `direction` are
 * derived from it, ordered (i, j, k) like the affine's columns.
 *
 * `header` is the NIfTI header the image was read from, kept so that an image
 * written back (for example a prediction on the same grid) carries the source
 * header with only the datatype, shape and affine replaced.
 */
export class Image {
  readonly data: VoxelArray;
  readonly shape: StorageShape;
  readonly affine: Affine;
  readonly header?: NiftiHeader;
  /** The file or folder the image was read from, for messages. */
  readonly source?: string;

  constructor(init: {
    data: VoxelArray;
    shape: StorageShape;
    affine: Affine | readonly (readonly number[])[];
    header?: NiftiHeader;
    source?: string;
  }) {
    const [nz, ny, nx] = init.shape;
    const where = init.source ?? 'image';
    if (![nz, ny, nx].every((n) => Number.isInteger(n) && n > 0)) {
      throw new DataError(where, `invalid shape [${init.shape.join(', ')}]`);
    }
    if (init.data.length !== nz * ny * nx) {
      throw new DataError(where, `data has ${init.data.length} voxels but shape [${init.shape.join(', ')}] needs ${nz * ny * nx}`);
    }
    const affine = init.affine instanceof Float64Array ? init.affine : affineFromRows(init.affine);
    if (affine.length !== 16) throw new DataError(where, 'affine must have 16 elements');
    this.data = init.data;
    this.shape = [nz, ny, nx];
    this.affine = affine;
    this.header = init.header;
    this.source = init.source;
  }

  /** Voxel counts in index order (nx, ny, nz), as NIfTI's dim[1..3]. */
  get size(): Ijk {
    return [this.shape[2], this.shape[1], this.shape[0]];
  }

  get voxelType(): VoxelType {
    return voxelTypeOf(this.data);
  }

  /** Millimetres per voxel along i, j, k. */
  get spacing(): Ijk {
    return spacingOf(this.affine);
  }

  /** World position of voxel (0, 0, 0). */
  get origin(): Xyz {
    return originOf(this.affine);
  }

  /** Row-major 3×3; column c is the unit world direction of index axis c. */
  get direction(): Float64Array {
    return directionOf(this.affine);
  }

  offsetOf(i: number, j: number, k: number): number {
    return (k * this.shape[1] + j) * this.shape[2] + i;
  }

  voxelToWorld(i: number, j: number, k: number): Xyz {
    return applyAffine(this.affine, [i, j, k]);
  }

  /** Same grid, header and source, new voxels (a prediction, a normalised copy). */
  withData(data: VoxelArray): Image {
    return new Image({ data, shape: this.shape, affine: this.affine, header: this.header, source: this.source });
  }
}
