// Deterministic release of native tensors: everything created inside a
// `tidy` callback is disposed when it returns, except what it returns and
// what was `keep`-ed. Scopes nest; returned tensors move to the enclosing scope.
import type { Tensor } from './tensor.js';

const scopes: Tensor[][] = [];

export function track(tensor: Tensor): void {
  const top = scopes[scopes.length - 1];
  if (top !== undefined) top.push(tensor);
}

export function tidy<T>(fn: () => T): T {
  const scope: Tensor[] = [];
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (error) {
    scopes.pop();
    for (const t of scope) if (!t.kept) t.dispose();
    throw error;
  }
  scopes.pop();
  if (result instanceof Promise) {
    for (const t of scope) if (!t.kept) t.dispose();
    throw new TypeError('tidy() takes a synchronous function; use it around each step of async work');
  }
  const returned = new Set<Tensor>();
  collectTensors(result, returned, 0);
  const parent = scopes[scopes.length - 1];
  for (const t of scope) {
    if (returned.has(t)) parent?.push(t);
    else if (!t.kept) t.dispose();
  }
  return result;
}

/** Exempts tensors from disposal by any scope (parameters, optimizer state, caches). */
export function keep<T extends Tensor | Tensor[]>(tensors: T): T {
  for (const t of Array.isArray(tensors) ? tensors : [tensors]) t.kept = true;
  return tensors;
}

/**
 * Runs `fn` and then releases `inputs` (undefined entries skipped): for a
 * feature map whose last consumer is `fn`. Autograd keeps what backward
 * needs, so this is safe under gradients too; it lowers peak memory to the
 * widest moment of a pass instead of the sum of its maps.
 */
export function consuming<R>(inputs: readonly (Tensor | undefined)[], fn: () => R): R {
  const result = fn();
  for (const t of inputs) t?.dispose();
  return result;
}

/**
 * `steps` applied in order to `x`; each intermediate result is released as
 * soon as the next step has consumed it (`x` stays the caller's), so a chain
 * of full-size maps holds two at a time.
 */
export function pipe(x: Tensor, ...steps: ((t: Tensor) => Tensor)[]): Tensor {
  let current = x;
  for (const step of steps) {
    const next = step(current);
    if (current !== x && next !== current) current.dispose();
    current = next;
  }
  return current;
}

/** Disposes every tensor found in a value (arrays, maps, plain objects). */
export function dispose(value: unknown): void {
  const found = new Set<Tensor>();
  collectTensors(value, found, 0);
  for (const t of found) t.dispose();
}

let TensorClass: (abstract new (...args: never[]) => Tensor) | undefined;
export function registerTensorClass(cls: abstract new (...args: never[]) => Tensor): void {
  TensorClass = cls;
}

function collectTensors(value: unknown, out: Set<Tensor>, depth: number): void {
  if (value === null || typeof value !== 'object' || depth > 8) return;
  if (TensorClass !== undefined && value instanceof TensorClass) {
    out.add(value);
    return;
  }
  if (Array.isArray(value)) {
    for (const v of value) collectTensors(v, out, depth + 1);
  } else if (value instanceof Map) {
    for (const v of value.values()) collectTensors(v, out, depth + 1);
  } else if (Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) collectTensors(v, out, depth + 1);
  }
}
