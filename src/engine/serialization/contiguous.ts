import { ITEM_SIZE } from '../dtype.js';
import { numelOf, type TensorRecord } from './record.js';

export function contiguousStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let stride = 1;
  for (let dim = shape.length - 1; dim >= 0; dim--) {
    strides[dim] = stride;
    stride *= shape[dim];
  }
  return strides;
}

/** Row-major contiguity as PyTorch defines it: strides of size-1 dimensions do not matter. */
export function isContiguous(shape: readonly number[], strides: readonly number[]): boolean {
  if (numelOf(shape) === 0) return true;
  let expected = 1;
  for (let dim = shape.length - 1; dim >= 0; dim--) {
    if (shape[dim] !== 1 && strides[dim] !== expected) return false;
    expected *= shape[dim];
  }
  return true;
}

/** Number of storage elements a strided view needs, counting from the start of the storage. */
export function requiredStorageElements(shape: readonly number[], strides: readonly number[], storageOffset: number): number {
  if (numelOf(shape) === 0) return 0;
  let lastIndex = storageOffset;
  for (let dim = 0; dim < shape.length; dim++) lastIndex += (shape[dim] - 1) * strides[dim];
  return lastIndex + 1;
}

/**
 * The record's data in row-major order: a subarray of `record.bytes` when the data is already
 * contiguous, otherwise a fresh copy gathered through the strides.
 */
export function contiguousBytes(record: TensorRecord): Uint8Array {
  const itemsize = ITEM_SIZE[record.dtype];
  const numel = numelOf(record.shape);
  if (record.strides === undefined && record.storageOffset === undefined) {
    if (record.bytes.byteLength !== numel * itemsize) {
      throw new Error(
        `tensor record of shape [${record.shape}] and dtype ${record.dtype} needs ${numel * itemsize} bytes but has ${record.bytes.byteLength}`,
      );
    }
    return record.bytes;
  }
  const strides = record.strides ?? contiguousStrides(record.shape);
  const offset = record.storageOffset ?? 0;
  if (strides.length !== record.shape.length) {
    throw new Error(`tensor record has ${record.shape.length} dims but ${strides.length} strides`);
  }
  const needed = requiredStorageElements(record.shape, strides, offset) * itemsize;
  if (needed > record.bytes.byteLength) {
    throw new Error(`tensor record needs ${needed} bytes of storage but has ${record.bytes.byteLength}`);
  }
  if (isContiguous(record.shape, strides)) {
    return record.bytes.subarray(offset * itemsize, (offset + numel) * itemsize);
  }
  return gather(record.bytes, record.shape, strides, offset, itemsize);
}

function gather(
  storage: Uint8Array,
  shape: readonly number[],
  strides: readonly number[],
  offset: number,
  itemsize: number,
): Uint8Array {
  const out = new Uint8Array(numelOf(shape) * itemsize);
  const rank = shape.length;
  const index = new Array<number>(rank).fill(0);
  let source = offset;
  for (let written = 0; written < out.byteLength; written += itemsize) {
    out.set(storage.subarray(source * itemsize, (source + 1) * itemsize), written);
    // Odometer increment over the multi-index, keeping `source` in step.
    for (let dim = rank - 1; dim >= 0; dim--) {
      index[dim]++;
      source += strides[dim];
      if (index[dim] < shape[dim]) break;
      source -= strides[dim] * shape[dim];
      index[dim] = 0;
    }
  }
  return out;
}
