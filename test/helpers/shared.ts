// Locations of the shared reference material beside the checkout.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return dir;
}

export const REPO_ROOT = repoRoot();
export const SHARED = resolve(process.env.SMIT_SHARED ?? join(REPO_ROOT, '..', 'shared'));
export const FIXTURE = join(SHARED, 'reference', 'fixture-tiny');
export const PYTHON = '/usr/bin/python3';
