// What the tests (and the benchmarks) need from outside the repository — the
// shared folder beside the checkout with the reference fixture and the real
// volumes, and Debian's python3 with torch, numpy, nibabel and scipy as the
// reference implementation — and the one rule for when it is missing:
// skipUnless skips the test with the reason, or fails it when
// SMIT_REQUIRE_REFERENCES=1 says the references must be there.
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

function findRepoRoot(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).name === 'smit-ts') return dir;
  }
  throw new Error('repository root (package.json of smit-ts) not found');
}

export const REPO_ROOT = findRepoRoot();
/** $SMIT_SHARED, else shared/ beside the checkout. */
export const SHARED = resolve(process.env.SMIT_SHARED ?? join(REPO_ROOT, '..', 'shared'));
/** The tiny network's reference inputs, weights and outputs from the official code. */
export const FIXTURE = join(SHARED, 'reference', 'fixture-tiny');
/** The real volumes: $SMIT_SHARED_DATA, else data/ in the shared folder. */
export const SHARED_DATA = resolve(process.env.SMIT_SHARED_DATA ?? join(SHARED, 'data'));
/** The labelled CHAOS MRI cases in SHARED_DATA/chaos-mr-t2. */
export const CHAOS_CASE_IDS: readonly number[] = [1, 5, 8, 10, 13, 15, 19, 21, 22, 31, 32, 36, 37, 38, 39];
export const PYTHON = '/usr/bin/python3';

export function sharedData(...parts: string[]): string {
  return join(SHARED_DATA, ...parts);
}

/**
 * True when `condition` holds. Otherwise skips the test with `why` and
 * returns false (the caller returns), or fails it when SMIT_REQUIRE_REFERENCES=1.
 */
export function skipUnless(t: TestContext, condition: boolean, why: string): boolean {
  if (condition) return true;
  if (process.env.SMIT_REQUIRE_REFERENCES === '1') assert.fail(`required (SMIT_REQUIRE_REFERENCES=1): ${why}`);
  t.skip(`skipped: ${why}`);
  return false;
}

/** skipUnless `path` exists (a file or folder of the shared material). */
export function requirePath(t: TestContext, path: string): boolean {
  return skipUnless(t, existsSync(path), `${path} is missing (set SMIT_SHARED or SMIT_SHARED_DATA)`);
}

const problems = new Map<string, string | undefined>();

/** Why PYTHON cannot import `modules`, or undefined when it can (probed once per set). */
export function pythonProblem(modules: readonly string[]): string | undefined {
  const key = [...modules].sort().join(', ');
  if (!problems.has(key)) {
    let problem: string | undefined;
    if (!existsSync(PYTHON)) problem = `${PYTHON} is missing`;
    else {
      const probe = spawnSync(PYTHON, ['-c', `import ${key}`], { encoding: 'utf8', timeout: 60_000 });
      if (probe.status !== 0) problem = `${PYTHON} cannot import ${key}`;
    }
    problems.set(key, problem);
  }
  return problems.get(key);
}

/** skipUnless PYTHON can import `modules`. */
export function requirePython(t: TestContext, modules: readonly string[]): boolean {
  const problem = pythonProblem(modules);
  return skipUnless(t, problem === undefined, problem ?? '');
}

export interface PythonRun {
  /** sys.argv[1:]. */
  args?: readonly string[];
  /** Written to stdin. */
  input?: string;
  timeoutMs?: number;
}

/** Runs a Python script and returns its stdout; a failure throws with its stderr. */
export function runPython(script: string, run: PythonRun = {}): string {
  const result = spawnSync(PYTHON, ['-c', script, ...(run.args ?? [])], {
    input: run.input,
    encoding: 'utf8',
    maxBuffer: 256 << 20,
    timeout: run.timeoutMs ?? 120_000,
  });
  if (result.status !== 0) throw new Error(`python failed (${result.status ?? result.signal}):\n${result.stderr}`);
  return result.stdout;
}

const execFileAsync = promisify(execFile);

/** runPython without blocking, so that a test can load files while Python works. */
export async function runPythonAsync(script: string, run: Omit<PythonRun, 'input'> = {}): Promise<string> {
  const { stdout } = await execFileAsync(PYTHON, ['-c', script, ...(run.args ?? [])], {
    encoding: 'utf8',
    maxBuffer: 256 << 20,
    timeout: run.timeoutMs ?? 120_000,
  });
  return stdout;
}

/**
 * The JSON a script printed last. Python's NaN, Infinity and -Infinity come
 * back as numbers (the output must hold no strings with those words).
 */
export function lastJsonLine<R>(stdout: string): R {
  const lines = stdout.trim().split('\n');
  const quoted = lines[lines.length - 1].replace(/-?Infinity|NaN/g, (token) => `"${token}"`);
  return JSON.parse(quoted, (_key, value) =>
    value === 'NaN' ? NaN : value === 'Infinity' ? Infinity : value === '-Infinity' ? -Infinity : value,
  ) as R;
}

/** Runs a script that reads `input` as JSON from stdin and prints JSON last; returns that JSON. */
export function runPythonJson<R>(script: string, input: unknown, timeoutMs?: number): R {
  return lastJsonLine<R>(runPython(script, { input: JSON.stringify(input), timeoutMs }));
}
