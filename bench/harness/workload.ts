// What a benchmark is. A suite is a list of workloads; a workload is one
// computation timed twice — our TypeScript on the engine, and a baseline
// program (by default a Python function run by Debian's /usr/bin/python3)
// that computes the same thing on the same shapes, dtypes and threads.
//
// See bench/README.md for the whole protocol and how to add a suite.

/** The program that computes the same thing as a workload, for comparison. */
export interface Baseline {
  /** File under bench/baselines/, e.g. 'engine.py'. */
  script: string;
  /** Function in that file: called once (untimed) to set up, it returns the one-iteration function. */
  fn: string;
  /** Interpreter that runs `script` (default: $SMIT_BENCH_PYTHON or /usr/bin/python3). */
  interpreter?: string;
}

export interface Workload<S = unknown> {
  /** Unique within its suite; also the name on the command line and in the JSON line. */
  name: string;
  /** One line: what one iteration computes (shown by --list). */
  description: string;
  /** Builds the inputs once per child process; not timed. */
  setup: () => S | Promise<S>;
  /** One timed iteration. Dispose what it makes (tidy) so iterations do not accumulate. */
  run: (state: S) => void | Promise<void>;
  /** Timed iterations per child (default 10); the child reports their median. */
  iterations?: number;
  /** Untimed iterations first (default 3). */
  warmup?: number;
  /**
   * The program that computes the same thing. Leave it out for a workload that
   * compares nothing (e.g. the memory soak): the harness then runs our side
   * only, and the JSON line's baseline_ms, ratio and baseline_rss_mb are null.
   */
  baseline?: Baseline;
  /** Optional extra note on stderr, given the median ms of one iteration (e.g. µs per op). */
  note?: (ms: number) => string;
  /**
   * Optional extra fields for the JSON line, taken from the state after the
   * timed iterations (in the child; plain JSON values). Over several rounds a
   * number is the median of the rounds', a boolean is true only if every
   * round's was, anything else is the last round's.
   */
  report?: (state: S) => Record<string, unknown> | Promise<Record<string, unknown>>;
}

export interface Suite {
  name: string;
  /** One line: what the suite measures. */
  description: string;
  workloads: Workload<any>[]; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** Rounds of (ours, baseline) child pairs per workload (default 5). */
  rounds?: number;
}

/** Identity helpers that only give type inference (S flows from setup to run). */
export function defineWorkload<S>(workload: Workload<S>): Workload<S> {
  return workload;
}

export function defineSuite(suite: Suite): Suite {
  return suite;
}

/** What each child prints as its last stdout line. */
export interface ChildResult {
  /** Median ms of one iteration. */
  ms: number;
  /** Every timed iteration, ms. */
  samples: number[];
  /** Median CPU time (user+system, all threads) of one iteration, ms: less sensitive to other load than wall time. */
  cpu_ms: number;
  /** Peak resident set of the child process, MiB. */
  rss_mb: number;
  /** Resident set once the child's libraries are loaded, before the workload's setup, MiB: what `rss_mb` is measured above. */
  loaded_rss_mb: number;
  /** Intra-op threads the child computed with. */
  threads: number;
  /** User+system CPU seconds the child used in all (for the foreign-load estimate). */
  cpu_s: number;
  /** Threading environment the child ran under, after its own defaults applied. */
  env?: Record<string, string | null>;
  /** The workload's `report` fields, when it has one. */
  extra?: Record<string, unknown>;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}
