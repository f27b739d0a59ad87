// Child process that times OUR side of one workload:
//   node dist/bench/child.js <suite> <workload> [--warmup N] [--iters N]
// Runs setup, the warm-up iterations, then the timed iterations, and prints one
// JSON line (ChildResult) on stdout. Its peak RSS is its own (one workload per
// process). Threads come from the engine's defaults (SMIT_NUM_THREADS, set by
// the harness).
import { performance } from 'node:perf_hooks';
import { loadSuite } from './suites/index.js';
import { median, type ChildResult } from './harness/workload.js';
import { mappedBlas } from './harness/system.js';

function option(args: string[], name: string): number | undefined {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const v = Number(args[i + 1]);
  if (!Number.isInteger(v) || v < 0) throw new Error(`${name} takes a non-negative integer`);
  return v;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const [suiteName, workloadName] = args;
  if (suiteName === undefined || workloadName === undefined) {
    throw new Error('usage: node dist/bench/child.js <suite> <workload> [--warmup N] [--iters N]');
  }
  const suite = await loadSuite(suiteName);
  const workload = suite.workloads.find((w) => w.name === workloadName);
  if (workload === undefined) throw new Error(`suite '${suiteName}' has no workload '${workloadName}'`);
  const warmup = option(args, '--warmup') ?? workload.warmup ?? 3;
  const iterations = option(args, '--iters') ?? workload.iterations ?? 10;

  const T = await import('../src/engine/index.js');
  const loadedRss = process.memoryUsage().rss / 2 ** 20;
  T.manualSeed(0);
  const state = await workload.setup();
  for (let i = 0; i < warmup; i++) await workload.run(state);
  const samples: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await workload.run(state);
    samples.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  const extra = workload.report ? await workload.report(state) : undefined;
  const usage = process.resourceUsage();
  const result: ChildResult = {
    ms: median(samples),
    samples,
    cpu_ms: median(cpu),
    rss_mb: usage.maxRSS / 1024,
    loaded_rss_mb: loadedRss,
    threads: T.getNumThreads(),
    cpu_s: (usage.userCPUTime + usage.systemCPUTime) / 1e6,
    env: { OMP_WAIT_POLICY: process.env.OMP_WAIT_POLICY ?? null, blas: mappedBlas() },
    ...(extra === undefined ? {} : { extra }),
  };
  process.stdout.write(JSON.stringify(result) + '\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`bench child: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
