// Loads the compiled libtorch addon. Threading is configured here, before
// libtorch's OpenMP runtime starts, because it reads its settings only once.
import { availableParallelism } from 'node:os';
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// Busy-waiting OpenMP workers steal the cores OpenBLAS needs; passive waiting
// measured faster for every engine workload on small machines (see README).
process.env.OMP_WAIT_POLICY ??= 'passive';

// Read by the addon when it loads (native/src/cpu_cache.cpp).
const cpuCache = process.env.SMIT_CPU_CACHE;
if (cpuCache !== undefined && !['on', 'off', '1', '0'].includes(cpuCache)) {
  throw new Error(`SMIT_CPU_CACHE must be 'on' or 'off', got '${cpuCache}'`);
}

function findAddon(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'build', 'Release', 'smit_native.node');
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  throw new Error(
    'smit-ts: the native addon is not built (build/Release/smit_native.node). ' +
      'Run `bash scripts/setup.sh` (installs libtorch and builds), or `npm run build:native`.',
  );
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const native: any = createRequire(import.meta.url)(findAddon());

const threads = Number(process.env.SMIT_NUM_THREADS ?? availableParallelism());
if (Number.isInteger(threads) && threads > 0) native.setNumThreads(threads);
