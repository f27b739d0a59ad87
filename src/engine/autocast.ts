// Mixed precision scopes. Inside `autocast('bfloat16', fn)` the ops that
// native/ops.decl marks `@lower` (matrix products) compute in bfloat16 and those
// marked `@full` (convolutions, norms, softmax, losses, reductions) in float32;
// the rest compute in their inputs' dtype, mixed operands promoting to float32.
// Parameters and their gradients stay float32: the casts are recorded by
// autograd like any op.
import { native } from './native.js';
import type { ResolvedPrecision } from './precision.js';

export type AutocastDtype = 'bfloat16' | 'float16';

/** Runs fn under a mixed-precision scope (null: float32 throughout); nests, and restores the outer scope on exit. */
export function autocast<T>(dtype: AutocastDtype | null, fn: () => T): T {
  if (dtype !== null && dtype !== 'bfloat16' && dtype !== 'float16') {
    throw new TypeError(`autocast: dtype must be 'bfloat16', 'float16' or null, got ${JSON.stringify(dtype)}`);
  }
  const outer: AutocastDtype | null = native.setAutocast(dtype);
  try {
    return fn();
  } finally {
    native.setAutocast(outer);
  }
}

/** The low-precision dtype of the innermost active scope, or null. */
export function autocastDtype(): AutocastDtype | null {
  return native.autocastDtype();
}

const PRECISION_DTYPE: Record<ResolvedPrecision, AutocastDtype | null> = { fp32: null, bf16: 'bfloat16' };

/** Runs fn in the autocast scope of a resolved `--precision`. */
export function withPrecision<T>(precision: ResolvedPrecision, fn: () => T): T {
  return autocast(PRECISION_DTYPE[precision], fn);
}
