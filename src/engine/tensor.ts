// A Tensor is a handle on one libtorch tensor. Its native memory is freed by
// dispose(), by the enclosing tidy() scope, or — as a last resort — when V8
// collects the handle (native bytes are reported to V8 so it feels them).
import { native } from './native.js';
import { registerTensorClass, track } from './scope.js';
import { type DType, type Device, type TypedArray, viewBytes } from './dtype.js';

const finalizer = new FinalizationRegistry<number>((handle) => native.release(handle));

// The GC safety net costs more than a small op itself, and most tensors are
// disposed within microseconds. So new tensors wait on a list and are
// registered only if still alive when the list is flushed (end of the current
// JS turn, or every 1024 tensors); the list's strong references keep them
// alive until then, so none escapes both nets.
let pending: Tensor[] = [];
let flushScheduled = false;

function flushPending(): void {
  const batch = pending;
  pending = [];
  flushScheduled = false;
  for (const t of batch) if (t.h >= 0) t.registerFinalizer();
}

export class Tensor {
  /** Native handle; -1 once disposed. */
  h: number;
  /** Exempt from disposal by scopes (see keep()). */
  kept = false;
  #shape: number[] | undefined;
  #dtype: DType | undefined;
  #device: Device | undefined;

  #registered = false;

  constructor(handle: number) {
    this.h = handle;
    pending.push(this);
    if (pending.length >= 1024) flushPending();
    else if (!flushScheduled) {
      flushScheduled = true;
      setImmediate(flushPending);
    }
    track(this);
  }

  /** @internal Enrols the tensor with the GC safety net (see flushPending). */
  registerFinalizer(): void {
    if (this.#registered) return;
    finalizer.register(this, this.h, this);
    this.#registered = true;
  }

  get disposed(): boolean {
    return this.h < 0;
  }

  dispose(): void {
    if (this.h < 0) return;
    native.release(this.h);
    if (this.#registered) finalizer.unregister(this);
    this.h = -1;
  }

  get shape(): number[] {
    this.#shape ??= native.shape(this.h) as number[];
    return this.#shape.slice();
  }

  /** Size of one dimension; negative dims count from the end. */
  size(dim: number): number {
    const shape = this.shape;
    return shape[dim < 0 ? shape.length + dim : dim];
  }

  get ndim(): number {
    return this.shape.length;
  }

  get dtype(): DType {
    if (this.#dtype === undefined) this.#describe();
    return this.#dtype!;
  }

  get device(): Device {
    if (this.#device === undefined) this.#describe();
    return this.#device!;
  }

  get strides(): number[] {
    return native.strides(this.h);
  }

  #describe(): void {
    const [shape, dtype, device] = native.describe(this.h);
    this.#shape = shape;
    this.#dtype = dtype;
    this.#device = device;
  }

  /** The value of a one-element tensor. */
  item(): number {
    const v = native.item(this.h);
    return typeof v === 'boolean' ? Number(v) : v;
  }

  /** Contiguous little-endian bytes of the data (a copy). */
  toBytes(): Uint8Array {
    return native.toBytes(this.h);
  }

  /** A copy of the data as the TypedArray of its dtype (float16/bfloat16: raw 16-bit words). */
  data(): TypedArray {
    return viewBytes(this.toBytes(), this.dtype);
  }

  /** A copy of the data as plain numbers, flat in row-major order. */
  toArray(): number[] {
    let d: TypedArray;
    if (this.dtype === 'float16' || this.dtype === 'bfloat16') {
      const f = this.float();
      d = f.data();
      f.dispose();
    } else d = this.data();
    return Array.from(d as ArrayLike<number | bigint>, Number);
  }

  /** float32 copy (or itself when already float32). */
  float(): Tensor {
    return this.dtype === 'float32' ? this : adopt(native.to(this.h, 'float32', undefined, false));
  }

  cpu(): Tensor {
    return adopt(native.to(this.h, undefined, 'cpu', false));
  }

  cuda(index = 0): Tensor {
    return adopt(native.to(this.h, undefined, `cuda:${index}`, false));
  }

  toString(): string {
    return this.h < 0 ? 'Tensor(disposed)' : native.format(this.h);
  }

  // --- autograd -------------------------------------------------------------

  get requiresGrad(): boolean {
    return native.describe(this.h)[3];
  }

  requiresGrad_(requires = true): this {
    native.setRequiresGrad(this.h, requires);
    return this;
  }

  backward(gradient?: Tensor, options: { retainGraph?: boolean } = {}): void {
    native.backward(this.h, gradient?.h, options.retainGraph ?? false);
  }

  /** The accumulated gradient, or undefined. A new handle each time: dispose it or read it in a scope. */
  get grad(): Tensor | undefined {
    const handle = native.grad(this.h);
    return handle === undefined ? undefined : new Tensor(handle);
  }

  set grad(value: Tensor | undefined) {
    native.setGrad(this.h, value?.h);
  }

  /** Drops the accumulated gradient (like PyTorch's zero_grad(set_to_none=True)). */
  zeroGrad(): void {
    native.setGrad(this.h, undefined);
  }
}

registerTensorClass(Tensor);

export function adopt(handle: number): Tensor {
  return new Tensor(handle);
}

export function adoptAll(handles: number[]): Tensor[] {
  return handles.map(adopt);
}

export function handles(tensors: readonly Tensor[]): number[] {
  return tensors.map((t) => t.h);
}

/** Tensors pass as handles, numbers boxed in a one-element array (see native/src/args.cpp). */
export function operand(value: Tensor | number | boolean): number | [number | boolean] {
  return typeof value === 'object' ? value.h : [value];
}
