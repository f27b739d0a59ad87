import type { DType } from '../engine/index.js';

/**
 * In-memory voxel element types: the engine's dtype names, plus the unsigned
 * types NIfTI and DICOM store that libtorch lacks (64-bit integers are widened
 * to float64 on read).
 */
export type VoxelType = Extract<DType, 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64'> | 'uint16' | 'uint32';

export type VoxelArray =
  | Uint8Array
  | Int8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | Float32Array
  | Float64Array;

const constructors = {
  uint8: Uint8Array,
  int8: Int8Array,
  int16: Int16Array,
  uint16: Uint16Array,
  int32: Int32Array,
  uint32: Uint32Array,
  float32: Float32Array,
  float64: Float64Array,
} as const;

export function allocateVoxels(type: VoxelType, length: number): VoxelArray {
  return new constructors[type](length);
}

export function voxelTypeOf(data: VoxelArray): VoxelType {
  return (Object.keys(constructors) as VoxelType[]).find((type) => data instanceof constructors[type])!;
}

/** The voxels `bytes` hold as `type`, without a copy (`bytes` must be aligned to the element size). */
export function viewVoxels(type: VoxelType, bytes: Uint8Array): VoxelArray {
  const constructor = constructors[type];
  return new constructor(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.byteLength / constructor.BYTES_PER_ELEMENT);
}
