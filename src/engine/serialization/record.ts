import { type DType, isDType } from '../dtype.js';

/**
 * A tensor as stored on disk, independent of the native addon.
 *
 * Without `strides`, `bytes` holds exactly the contiguous (row-major) data of `shape`.
 * With `strides` (and `storageOffset`, both in elements), `bytes` is the whole underlying
 * storage and the tensor is the view `as_strided(shape, strides, storageOffset)` into it,
 * as happens for non-contiguous tensors in PyTorch checkpoints.
 */
export interface TensorRecord {
  dtype: DType;
  shape: number[];
  strides?: number[];
  storageOffset?: number;
  /** raw little-endian bytes of the (whole) storage or the contiguous data */
  bytes: Uint8Array;
}

export function numelOf(shape: readonly number[]): number {
  return shape.reduce((product, size) => product * size, 1);
}

export function isTensorRecord(value: unknown): value is TensorRecord {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<TensorRecord>;
  return isDType(candidate.dtype) && Array.isArray(candidate.shape) && candidate.bytes instanceof Uint8Array;
}
