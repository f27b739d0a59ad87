// Axis ranges and tick positions at "nice" numbers (1, 2 and 5 times a power of ten).

export interface Axis {
  /** Data value at the start of the axis. */
  readonly min: number;
  /** Data value at the end of the axis. */
  readonly max: number;
  readonly ticks: readonly number[];
}

/** Drops floating-point noise such as 0.30000000000000004. */
function clean(value: number): number {
  return Number(value.toPrecision(12)) + 0;
}

function niceStep(rough: number): number {
  const power = 10 ** Math.floor(Math.log10(rough));
  const fraction = rough / power;
  return (fraction < 1.5 ? 1 : fraction < 3 ? 2 : fraction < 7 ? 5 : 10) * power;
}

/** A linear axis covering [min, max] that starts and ends on a tick, with about `target` ticks. */
export function linearAxis(min: number, max: number, target: number): Axis {
  if (max - min <= Math.abs(max) * 1e-12) {
    const half = min === 0 ? 1 : Math.abs(min) / 2;
    [min, max] = [min - half, max + half];
  }
  const step = niceStep((max - min) / Math.max(1, target - 1));
  const first = Math.floor(min / step + 1e-9);
  const last = Math.ceil(max / step - 1e-9);
  const ticks: number[] = [];
  for (let k = first; k <= last; k++) ticks.push(clean(k * step));
  return { min: ticks[0], max: ticks[ticks.length - 1], ticks };
}

function snapDown(value: number): number {
  const power = 10 ** Math.floor(Math.log10(value));
  const mantissa = [5, 2, 1].find((m) => m * power <= value * (1 + 1e-9)) ?? 1;
  return clean(mantissa * power);
}

function snapUp(value: number): number {
  const power = 10 ** Math.floor(Math.log10(value));
  const mantissa = [1, 2, 5, 10].find((m) => m * power >= value * (1 - 1e-9)) ?? 10;
  return clean(mantissa * power);
}

/**
 * A logarithmic axis over positive [min, max], its ends snapped outward to
 * 1, 2 or 5 times a power of ten. Ticks are powers of ten (every k-th decade
 * when there are more than `target`), or 1-2-5 multiples (1…9 if still
 * fewer than three) when the range is too short to hold three powers of ten.
 */
export function logAxis(min: number, max: number, target: number): Axis {
  if (max / min < 1.0001) [min, max] = [min / 2, max * 2];
  const low = snapDown(min);
  const high = snapUp(max);
  const ticksWith = (mantissas: readonly number[]): number[] => {
    const ticks: number[] = [];
    for (let e = Math.floor(Math.log10(low)); e <= Math.ceil(Math.log10(high)); e++) {
      for (const m of mantissas) {
        const tick = clean(m * 10 ** e);
        if (tick >= low * (1 - 1e-9) && tick <= high * (1 + 1e-9)) ticks.push(tick);
      }
    }
    return ticks;
  };
  const decades = ticksWith([1]);
  if (decades.length >= 3) {
    const every = Math.ceil(decades.length / Math.max(2, target));
    return { min: low, max: high, ticks: decades.filter((_, i) => i % every === 0) };
  }
  const ticks = ticksWith([1, 2, 5]);
  return { min: low, max: high, ticks: ticks.length >= 3 ? ticks : ticksWith([1, 2, 3, 4, 5, 6, 7, 8, 9]) };
}

/**
 * Short labels for an axis's ticks: plain decimals from 0.001 to below a
 * million, otherwise like 2e-5 or 1.5e7; when any tick needs an exponent all
 * non-zero ticks get one, so an axis never mixes 0.01 with 1e-4.
 */
export function formatTicks(values: readonly number[]): string[] {
  const plain = values.every((v) => v === 0 || (Math.abs(v) >= 1e-3 && Math.abs(v) < 1e6));
  return values.map((v) => (v === 0 ? '0' : plain ? String(clean(v)) : clean(v).toExponential().replace('e+', 'e')));
}
