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

/** 'auto' becomes 'bf16' on a CPU with bfloat16 instructions or on CUDA, else 'fp32'. */
export function resolvePrecision(precision: Precision, device: 'cpu' | 'cuda' = 'cpu', cpuinfo?: string): ResolvedPrecision {
  if (precision !== 'auto') return precision;
  return device === 'cuda' || cpuHasBf16(cpuinfo) ? 'bf16' : 'fp32';
}
