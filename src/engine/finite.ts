import type { Tensor } from './tensor.js';
import { tidy } from './scope.js';

/** The name of the first floating-point tensor holding NaN or Inf, or undefined when all are finite. */
export function firstNonFinite(named: Iterable<readonly [string, Tensor]>): string | undefined {
  for (const [name, t] of named) {
    if ((t.dtype.startsWith('float') || t.dtype === 'bfloat16') && !tidy(() => t.isfinite().all().item())) return name;
  }
  return undefined;
}
