// The benchmark harness:  npm run bench -- <suite> [workload...] [options]
//
// For each workload it runs, interleaved over several rounds, one child process
// for our side (node dist/bench/child.js) and one for the baseline (by default
// /usr/bin/python3 bench/baselines/<script> <fn>), so each side's peak RSS is its
// own. Each child reports the median of its timed iterations; the harness prints
// the median over rounds as one JSON line per workload on stdout:
//   {"suite","workload","ours_ms","baseline_ms","ratio","ours_rss_mb","baseline_rss_mb"}
// Everything else (progress, notes, warnings) goes to stderr. See bench/README.md.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { SUITES, loadSuite } from './suites/index.js';
import { median, type ChildResult, type Suite, type Workload } from './harness/workload.js';
import { loadAverage, machineBusySeconds, machineDescription } from './harness/system.js';
import { PYTHON, REPO_ROOT } from '../test/helpers/env.js';

const USAGE = `usage: npm run bench -- <suite> [workload...] [options]
       npm run bench -- --list
options:
  --rounds N     (ours, baseline) child pairs per workload (default: the suite's, 5)
  --iters N      timed iterations per child (default: the workload's)
  --warmup N     untimed iterations per child first (default: the workload's)
  --threads N    intra-op threads for both sides (default: $SMIT_NUM_THREADS or all cores)
  --env K=V      set an environment variable in both children (repeatable)
  --ours-only    skip the baseline (ratio and baseline fields are null)
  --nice N       run each child in a session of its own with nice N (autogroup
                 and process), e.g. -10 as root: other processes preempt it less
suites: ${Object.keys(SUITES).join(', ')}`;

interface Options {
  suite?: string;
  workloads: string[];
  rounds?: number;
  iters?: number;
  warmup?: number;
  threads: number;
  env: Record<string, string>;
  list: boolean;
  oursOnly: boolean;
  nice?: number;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { workloads: [], threads: 0, env: {}, list: false, oursOnly: false };
  const int = (name: string, v: string | undefined, min = 0): number => {
    const n = Number(v);
    if (v === undefined || !Number.isInteger(n) || n < min) throw new Error(`${name} takes an integer ≥ ${min}\n${USAGE}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--rounds') o.rounds = int(a, argv[++i], 1);
    else if (a === '--iters') o.iters = int(a, argv[++i], 1);
    else if (a === '--warmup') o.warmup = int(a, argv[++i]);
    else if (a === '--threads') o.threads = int(a, argv[++i], 1);
    else if (a === '--env') {
      const kv = argv[++i] ?? '';
      const eq = kv.indexOf('=');
      if (eq <= 0) throw new Error(`--env takes KEY=VALUE\n${USAGE}`);
      o.env[kv.slice(0, eq)] = kv.slice(eq + 1);
    } else if (a === '--list') o.list = true;
    else if (a === '--ours-only') o.oursOnly = true;
    else if (a === '--nice') {
      o.nice = Number(argv[++i]);
      if (!Number.isInteger(o.nice) || o.nice < -20 || o.nice > 19) throw new Error(`--nice takes an integer in -20..19\n${USAGE}`);
    }
    else if (a === '--help' || a === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else if (a.startsWith('--')) throw new Error(`unknown option ${a}\n${USAGE}`);
    else if (o.suite === undefined) o.suite = a;
    else o.workloads.push(a);
  }
  if (o.threads === 0) {
    const fromEnv = Number(o.env.SMIT_NUM_THREADS ?? process.env.SMIT_NUM_THREADS);
    o.threads = Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : availableParallelism();
  }
  return o;
}

const log = (line: string): void => {
  process.stderr.write(line + '\n');
};
const fmt = (ms: number): string => (ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2));
const round = (v: number, digits: number): number => Number(v.toFixed(digits));

interface Measured {
  result: ChildResult;
  /** Average number of cores other processes kept busy while the child ran. */
  foreignCores: number | undefined;
}

/** Runs one child to completion; its stderr passes through, its last stdout line is the result. */
function runChild(label: string, command: string, args: string[], env: NodeJS.ProcessEnv, cwd: string, nice?: number): Measured {
  if (nice !== undefined) {
    // With sched_autogroup (the default on desktop/VM kernels) a process' nice only ranks it within
    // its session, so the child gets a session of its own (setsid) whose autogroup gets the nice.
    args = [
      '/bin/sh',
      '-c',
      'echo "$0" > /proc/self/autogroup 2>/dev/null || echo "bench: could not set the autogroup nice (needs root)" >&2; exec nice -n "$0" "$@"',
      String(nice), command, ...args,
    ];
    command = 'setsid';
  }
  const busy0 = machineBusySeconds();
  const t0 = performance.now();
  const child = spawnSync(command, args, {
    cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 << 20,
  });
  const wall = (performance.now() - t0) / 1000;
  const busy1 = machineBusySeconds();
  if (child.error) throw new Error(`${label}: could not run ${command}: ${child.error.message}`);
  if (child.status !== 0) throw new Error(`${label}: ${command} ${args.join(' ')} exited with ${child.status ?? child.signal}`);
  const lines = child.stdout.trim().split('\n');
  let result: ChildResult;
  try {
    result = JSON.parse(lines[lines.length - 1]) as ChildResult;
  } catch {
    throw new Error(`${label}: no JSON result line on stdout:\n${child.stdout}`);
  }
  const foreignCores =
    busy0 === undefined || busy1 === undefined ? undefined : Math.max(0, busy1 - busy0 - result.cpu_s) / wall;
  return { result, foreignCores };
}

async function benchWorkload(suite: Suite, w: Workload<unknown>, o: Options, root: string): Promise<void> {
  const rounds = o.rounds ?? suite.rounds ?? 5;
  const iterArgs = ['--warmup', String(o.warmup ?? w.warmup ?? 3), '--iters', String(o.iters ?? w.iterations ?? 10)];
  const env: NodeJS.ProcessEnv = { ...process.env, ...o.env, SMIT_NUM_THREADS: String(o.threads) };
  const childJs = join(dirname(fileURLToPath(import.meta.url)), 'child.js');
  // A workload without a baseline (e.g. the memory soak) runs as with --ours-only.
  const oursOnly = o.oursOnly || w.baseline === undefined;
  const interpreter = w.baseline?.interpreter ?? process.env.SMIT_BENCH_PYTHON ?? PYTHON;
  const script = w.baseline === undefined ? '' : join(root, 'bench', 'baselines', w.baseline.script);
  if (!oursOnly && !existsSync(script)) throw new Error(`${w.name}: baseline ${script} is missing`);

  const ours: Measured[] = [];
  const base: Measured[] = [];
  for (let r = 1; r <= rounds; r++) {
    const tag = `${suite.name}/${w.name} round ${r}/${rounds}`;
    const a = runChild(`${tag} ours`, process.execPath, [childJs, suite.name, w.name, ...iterArgs], env, root, o.nice);
    ours.push(a);
    let line = `${tag}: ours ${fmt(a.result.ms)} ms (cpu ${fmt(a.result.cpu_ms)}, ${a.result.rss_mb.toFixed(0)} MB, ${a.result.threads} thr)`;
    if (!oursOnly) {
      // The baseline runs under our side's effective threading environment
      // (the engine's OMP_WAIT_POLICY default included), so the ratio compares code, not settings.
      const policy = a.result.env?.OMP_WAIT_POLICY;
      const baseEnv = policy == null ? env : { ...env, OMP_WAIT_POLICY: policy };
      const b = runChild(`${tag} baseline`, interpreter, [script, w.baseline!.fn, ...iterArgs], baseEnv, dirname(script), o.nice);
      base.push(b);
      line += ` | baseline ${fmt(b.result.ms)} ms (cpu ${fmt(b.result.cpu_ms)}, ${b.result.rss_mb.toFixed(0)} MB, ${b.result.threads} thr)`;
      if (b.result.threads !== a.result.threads) log(`WARNING ${tag}: thread counts differ (ours ${a.result.threads}, baseline ${b.result.threads})`);
    }
    const foreign = [...ours.slice(-1), ...base.slice(-1)].map((m) => m.foreignCores ?? 0);
    const worst = Math.max(...foreign);
    line += ` | other load ${worst.toFixed(2)} cores`;
    log(line);
    if (worst > 0.25 && o.nice === undefined) {
      log(`WARNING ${tag}: other processes kept ~${worst.toFixed(2)} cores busy; timings are noisy (more --rounds, or --nice -10 as root)`);
    }
  }

  const oursMs = median(ours.map((m) => m.result.ms));
  const oursRss = median(ours.map((m) => m.result.rss_mb));
  const baseMs = oursOnly ? NaN : median(base.map((m) => m.result.ms));
  const baseRss = oursOnly ? NaN : median(base.map((m) => m.result.rss_mb));
  const spread = (ms: number[]): string => `${fmt(Math.min(...ms))}–${fmt(Math.max(...ms))}`;
  log(
    `${suite.name}/${w.name}: ${w.description}\n` +
      `  ours ${fmt(oursMs)} ms [rounds ${spread(ours.map((m) => m.result.ms))}] cpu ${fmt(median(ours.map((m) => m.result.cpu_ms)))} ms` +
      (oursOnly
        ? ''
        : `, baseline ${fmt(baseMs)} ms [rounds ${spread(base.map((m) => m.result.ms))}] cpu ${fmt(median(base.map((m) => m.result.cpu_ms)))} ms`) +
      `; other load ≤ ${Math.max(...[...ours, ...base].map((m) => m.foreignCores ?? 0)).toFixed(2)} cores` +
      (w.note ? `\n  note: ours ${w.note(oursMs)}` + (oursOnly ? '' : `; baseline ${w.note(baseMs)}`) : '') +
      `\n  env: ${JSON.stringify(ours[0].result.env ?? {})}` + (oursOnly ? '' : ` / baseline ${JSON.stringify(base[0].result.env ?? {})}`),
  );
  const line = {
    suite: suite.name,
    workload: w.name,
    ours_ms: round(oursMs, 3),
    baseline_ms: oursOnly ? null : round(baseMs, 3),
    ratio: oursOnly ? null : round(oursMs / baseMs, 3),
    ours_rss_mb: round(oursRss, 1),
    baseline_rss_mb: oursOnly ? null : round(baseRss, 1),
    ours_loaded_rss_mb: round(median(ours.map((m) => m.result.loaded_rss_mb)), 1),
    baseline_loaded_rss_mb: oursOnly ? null : round(median(base.map((m) => m.result.loaded_rss_mb)), 1),
    ...combineExtras(ours.map((m) => m.result.extra)),
  };
  process.stdout.write(JSON.stringify(line) + '\n');
}

/**
 * The workloads' `report` fields over the rounds: a number is the median of
 * the rounds' values, a boolean is true only if every round's was, anything
 * else is the last round's.
 */
function combineExtras(extras: (Record<string, unknown> | undefined)[]): Record<string, unknown> {
  const present = extras.filter((e): e is Record<string, unknown> => e !== undefined);
  const out: Record<string, unknown> = {};
  for (const key of new Set(present.flatMap((e) => Object.keys(e)))) {
    const values = present.map((e) => e[key]).filter((v) => v !== undefined);
    if (values.every((v) => typeof v === 'number')) out[key] = round(median(values as number[]), 3);
    else if (values.every((v) => typeof v === 'boolean')) out[key] = values.every(Boolean);
    else out[key] = values[values.length - 1];
  }
  return out;
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  if (o.list) {
    for (const name of Object.keys(SUITES)) {
      const suite = await loadSuite(name);
      console.log(`${name}: ${suite.description}`);
      for (const w of suite.workloads) console.log(`  ${w.name}: ${w.description}`);
    }
    return;
  }
  if (o.suite === undefined) throw new Error(USAGE);
  const suite = await loadSuite(o.suite);
  const unknown = o.workloads.filter((n) => !suite.workloads.some((w) => w.name === n));
  if (unknown.length > 0) {
    throw new Error(`suite '${suite.name}' has no workload ${unknown.join(', ')} (has: ${suite.workloads.map((w) => w.name).join(', ')})`);
  }
  const selected = o.workloads.length === 0 ? suite.workloads : suite.workloads.filter((w) => o.workloads.includes(w.name));
  const root = REPO_ROOT;
  log(
    `bench ${suite.name}: ${selected.map((w) => w.name).join(', ')} | ${machineDescription()} | ${o.threads} threads both sides` +
      ` | load ${loadAverage()} | ${new Date().toISOString()}` +
      (Object.keys(o.env).length ? ` | env ${JSON.stringify(o.env)}` : '') +
      (o.nice !== undefined ? ` | nice ${o.nice}` : ''),
  );
  // A failing workload is reported and skipped; the exit status says that one failed.
  let failed = 0;
  for (const w of selected) {
    try {
      await benchWorkload(suite, w, o, root);
    } catch (error) {
      failed++;
      log(`bench: ${suite.name}/${w.name} FAILED: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  if (failed > 0) process.exitCode = 1;
}

main().catch((error: unknown) => {
  log(`bench: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
