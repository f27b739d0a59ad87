// Facts about the machine a benchmark ran on, and how busy other processes kept it.
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';

/** Busy CPU seconds of the whole machine so far (all cores), from /proc/stat; undefined off Linux. */
export function machineBusySeconds(): number | undefined {
  if (!existsSync('/proc/stat')) return undefined;
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0];
  // cpu user nice system idle iowait irq softirq steal ...
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  const busy = f[0] + f[1] + f[2] + f[5] + f[6] + (f[7] ?? 0);
  return busy / 100; // USER_HZ
}

export function loadAverage(): string {
  return existsSync('/proc/loadavg') ? readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ') : 'n/a';
}

export function machineDescription(): string {
  const c = cpus();
  return `${availableParallelism()} cores (${c[0]?.model ?? 'unknown CPU'})`;
}

/** The BLAS library mapped into this process (Linux), e.g. .../openblas-pthread/libopenblas.so.0. */
export function mappedBlas(): string | null {
  if (!existsSync('/proc/self/maps')) return null;
  const hit = readFileSync('/proc/self/maps', 'utf8')
    .split('\n')
    .map((l) => l.split(/\s+/)[5] ?? '')
    .find((p) => /lib(open)?blas/.test(p));
  return hit ?? null;
}
