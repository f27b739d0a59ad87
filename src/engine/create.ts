// Tensors from JavaScript data.
import { native } from './native.js';
import { Tensor, adopt } from './tensor.js';
import { type DType, type TypedArray, dtypeOfArray } from './dtype.js';

type Nested = number | boolean | readonly Nested[];

export interface TensorOptions {
  dtype?: DType;
  shape?: readonly number[];
}

/** A new tensor from a TypedArray (copied), a nested array or a number. */
export function tensor(data: TypedArray | Nested, options: TensorOptions = {}): Tensor {
  if (ArrayBuffer.isView(data)) {
    const typed = data as TypedArray;
    const shape = options.shape ?? [typed.length];
    // A Uint16Array holds raw half-precision words; any other array is converted to the dtype asked for.
    const half = options.dtype === 'float16' || options.dtype === 'bfloat16';
    const own = half && typed instanceof Uint16Array ? options.dtype! : dtypeOfArray(typed);
    const bytes = new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength);
    return fromBytes(bytes, own, shape, options.dtype);
  }
  const shape: number[] = [];
  let probe: Nested = data;
  while (Array.isArray(probe)) {
    shape.push(probe.length);
    probe = probe[0] as Nested;
  }
  const flat = (Array.isArray(data) ? (data as unknown[]).flat(Infinity) : [data]) as (number | boolean)[];
  if (flat.length !== shape.reduce((a, b) => a * b, 1)) {
    throw new RangeError(`tensor(): ragged nested array (shape ${JSON.stringify(shape)} vs ${flat.length} values)`);
  }
  // An empty array is float32, as in torch.tensor([]).
  const inferred: DType =
    flat.length > 0 && flat.every((v) => typeof v === 'boolean')
      ? 'bool'
      : flat.length > 0 && flat.every((v) => Number.isInteger(v))
        ? 'int64'
        : 'float32';
  const dtype = options.dtype ?? inferred;
  const t = tensor(Float64Array.from(flat, Number), { shape: options.shape ?? shape });
  const out = convert(t, dtype);
  return out;
}

/** A tensor copied from raw bytes (host order) of `dtype`, converted to `as` (default: `dtype`) in the same pass. */
export function fromBytes(bytes: Uint8Array, dtype: DType, shape: readonly number[], as?: DType): Tensor {
  return adopt(native.fromBytes(bytes, dtype, shape, as));
}

function convert(t: Tensor, dtype: DType): Tensor {
  if (t.dtype === dtype) return t;
  const out = adopt(native.to(t.h, dtype, undefined, false));
  t.dispose();
  return out;
}
