export type DType =
  | 'float32' | 'float64' | 'float16' | 'bfloat16'
  | 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'bool';

/** 'cpu', 'cuda' or 'cuda:N'. */
export type Device = string;

export const DTYPES: readonly DType[] = [
  'float32', 'float64', 'float16', 'bfloat16', 'int64', 'int32', 'int16', 'int8', 'uint8', 'bool',
];

export const ITEM_SIZE: Record<DType, number> = {
  float32: 4, float64: 8, float16: 2, bfloat16: 2, int64: 8, int32: 4, int16: 2, int8: 1, uint8: 1, bool: 1,
};

export function isDType(value: unknown): value is DType {
  return typeof value === 'string' && Object.hasOwn(ITEM_SIZE, value);
}

export type TypedArray =
  | Float32Array | Float64Array | BigInt64Array | Int32Array | Int16Array | Int8Array | Uint8Array | Uint16Array;

/** The dtype a TypedArray holds (Uint16Array is not mapped: half types must name their dtype). */
export function dtypeOfArray(data: TypedArray): DType {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof BigInt64Array) return 'int64';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Int16Array) return 'int16';
  if (data instanceof Int8Array) return 'int8';
  if (data instanceof Uint8Array) return 'uint8';
  throw new TypeError('a Uint16Array holds float16 or bfloat16 bits: pass { dtype } explicitly');
}

/** A typed view of raw little-endian bytes of `dtype` (half types as their raw 16-bit words). */
export function viewBytes(bytes: Uint8Array, dtype: DType): TypedArray {
  const n = bytes.byteLength / ITEM_SIZE[dtype];
  // Views need aligned offsets; Node buffers from the pool may not be.
  const aligned = bytes.byteOffset % ITEM_SIZE[dtype] === 0 ? bytes : bytes.slice();
  const { buffer, byteOffset } = aligned;
  switch (dtype) {
    case 'float32': return new Float32Array(buffer, byteOffset, n);
    case 'float64': return new Float64Array(buffer, byteOffset, n);
    case 'int64': return new BigInt64Array(buffer, byteOffset, n);
    case 'int32': return new Int32Array(buffer, byteOffset, n);
    case 'int16': return new Int16Array(buffer, byteOffset, n);
    case 'int8': return new Int8Array(buffer, byteOffset, n);
    case 'float16': case 'bfloat16': return new Uint16Array(buffer, byteOffset, n);
    case 'uint8': case 'bool': return new Uint8Array(buffer, byteOffset, n);
  }
}
