// The three orders a triple of numbers can be in. An Image stores its voxels
// C-order, so its array shape is [nz, ny, nx] (StorageShape); everything else
// that describes the grid — sizes, spacings, crop boxes, the spatial
// dimensions of a [C, X, Y, Z] volume tensor — is in voxel-index order
// (i, j, k) (Ijk); positions and directions in the world are millimetres
// (x, y, z), RAS+ (Xyz).

/** A triple along the voxel index axes i, j, k (the affine's first three columns). */
export type Ijk = [i: number, j: number, k: number];

/** A world point or direction in millimetres, RAS+. */
export type Xyz = [x: number, y: number, z: number];

/** The C-order shape of an Image's voxel array: its Ijk size reversed. */
export type StorageShape = readonly [nz: number, ny: number, nx: number];
