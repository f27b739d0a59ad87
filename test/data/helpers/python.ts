import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';

const PYTHON = '/usr/bin/python3';
const execFileAsync = promisify(execFile);

function probe(): string | false {
  if (!existsSync(PYTHON)) return `${PYTHON} not found: nibabel cross-checks skipped`;
  const result = spawnSync(PYTHON, ['-c', 'import nibabel, numpy'], { encoding: 'utf8' });
  return result.status === 0 ? false : `${PYTHON} has no nibabel/numpy: nibabel cross-checks skipped`;
}

/** A skip reason when Debian's python3 with nibabel and numpy is not available. */
export const nibabelMissing: string | false = probe();

/**
 * Runs a Python script (with `args` as sys.argv[1:]) and parses the JSON it
 * prints last. Asynchronous, so a test can load files while Python works.
 */
export async function runPython<T>(script: string, args: string[] = []): Promise<T> {
  const { stdout } = await execFileAsync(PYTHON, ['-c', script, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]) as T;
}
