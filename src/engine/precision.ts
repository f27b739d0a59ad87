// The `--precision` setting of the commands: float32 throughout, or bfloat16
// matrix products under T.autocast, or `auto`, which picks bfloat16 where the
// hardware computes it natively. No native code here: the option tables import
// it without loading the engine.
import { readFileSync } from 'node:fs';

export const PRECISIONS = ['fp32', 'bf16', 'auto'] as const;
export type Precision = (typeof PRECISIONS)[number];
export type ResolvedPrecision = Exclude<Precision, 'auto'>;

/** The `--precision` option of every command that runs a network (an option-table entry). */
export const PRECISION_OPTION = {
  type: 'choice',
  choices: PRECISIONS,
  default: 'fp32',
  help: "'fp32', 'bf16' (matrix products in bfloat16 under T.autocast, weights and gradients float32) or 'auto' (bf16 on a CPU with AVX512-BF16 or AMX, or on CUDA)",
} as const;

/** Whether this CPU has bfloat16 dot-product instructions (AVX512-BF16 or AMX-BF16), from /proc/cpuinfo. */
export function cpuHasBf16(cpuinfo?: string): boolean {
  let text = cpuinfo;
  if (text === undefined) {
    try {
      text = readFileSync('/proc/cpuinfo', 'utf8');
    } catch {
      return false;
    }
  }
  const flags = /^flags\s*:(.*)$/m.exec(text)?.[1].split(/\s+/) ?? [];
  return flags.includes('avx512_bf16') || flags.includes('amx_bf16');
}

/**
 * 'auto' becomes 'bf16' on a CPU with bfloat16 instructions or on CUDA, else
 * 'fp32'. An explicit 'bf16' on a CPU without them is refused: libtorch 1.13
 * then runs bfloat16 matrix products slower than float32 and, for matmul and
 * bmm, accumulates in bfloat16 (relative error 1 % at K = 64 and 7 % at
 * K = 4096, measured on an AVX2 CPU, against 0.2 % with the instructions).
 */
export function resolvePrecision(precision: Precision, device: 'cpu' | 'cuda' = 'cpu', cpuinfo?: string): ResolvedPrecision {
  if (precision === 'fp32') return 'fp32';
  if (device === 'cuda') return 'bf16';
  const native = cpuHasBf16(cpuinfo);
  if (precision === 'auto') return native ? 'bf16' : 'fp32';
  if (!native) {
    throw new RangeError(
      "--precision bf16: this CPU has no bfloat16 instructions (no avx512_bf16 or amx_bf16 in /proc/cpuinfo), where libtorch's bfloat16 " +
        "matrix products are slower than float32 and accumulate in bfloat16 (7 % error at K = 4096); use fp32 or auto",
    );
  }
  return 'bf16';
}
