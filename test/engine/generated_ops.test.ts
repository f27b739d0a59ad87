// The committed src/engine/generated/ops.ts is what scripts/gen-ops.mjs makes
// of native/ops.decl today.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT } from '../helpers/env.js';

const GENERATED = join('src', 'engine', 'generated', 'ops.ts');

test(`${GENERATED} is up to date with native/ops.decl`, (t) => {
  const out = mkdtempSync(join(tmpdir(), 'smit-gen-ops-'));
  t.after(() => rmSync(out, { recursive: true, force: true }));
  execFileSync(process.execPath, [join(REPO_ROOT, 'scripts', 'gen-ops.mjs'), '--out-dir', out], { stdio: 'pipe' });
  const fresh = readFileSync(join(out, GENERATED), 'utf8').split('\n');
  const committed = readFileSync(join(REPO_ROOT, GENERATED), 'utf8').split('\n');
  const differing = fresh.findIndex((text, i) => text !== committed[i]);
  const first = differing >= 0 ? differing : committed.length > fresh.length ? fresh.length : -1;
  assert.equal(first, -1, `${GENERATED} differs from native/ops.decl from line ${first + 1}: run npm run build:native`);
});
