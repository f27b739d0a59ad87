/** Element types that checkpoints and safetensors files can carry. */
export type DTypeName =
  | 'float32'
  | 'float64'
  | 'float16'
  | 'bfloat16'
  | 'int64'
  | 'int32'
  | 'int16'
  | 'int8'
  | 'uint8'
  | 'bool';

/**
 * A tensor as stored on disk, independent of any engine.
 *
 * Without `strides`, `bytes` holds exactly the contiguous (row-major) data of `shape`.
 * With `strides` (and `storageOffset`, both in elements), `bytes` is the whole underlying
 * storage and the tensor is the view `as_strided(shape, strides, storageOffset)` into it,
 * as happens for non-contiguous tensors in PyTorch checkpoints.
 */
export interface TensorRecord {
  dtype: DTypeName;
  shape: number[];
  strides?: number[];
  storageOffset?: number;
  /** raw little-endian bytes of the (whole) storage or the contiguous data */
  bytes: Uint8Array;
}

export const DTYPE_ITEMSIZE: Readonly<Record<DTypeName, number>> = {
  float32: 4,
  float64: 8,
  float16: 2,
  bfloat16: 2,
  int64: 8,
  int32: 4,
  int16: 2,
  int8: 1,
  uint8: 1,
  bool: 1,
};

export function isDTypeName(value: unknown): value is DTypeName {
  return typeof value === 'string' && Object.hasOwn(DTYPE_ITEMSIZE, value);
}

export function numelOf(shape: readonly number[]): number {
  return shape.reduce((product, size) => product * size, 1);
}

export function isTensorRecord(value: unknown): value is TensorRecord {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<TensorRecord>;
  return isDTypeName(candidate.dtype) && Array.isArray(candidate.shape) && candidate.bytes instanceof Uint8Array;
}
