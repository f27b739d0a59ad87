// A pre-training run killed with SIGKILL after a checkpoint resumes to exactly
// the state of an uninterrupted run.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import * as T from '../../src/engine/index.js';
import { writePhantomDataset } from '../../src/data/index.js';
import { REPO_ROOT } from '../helpers/env.js';

const CLI = join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');
const env = { ...process.env, SMIT_NUM_THREADS: '1', SMIT_NO_PROGRESS: '1' };

function args(data: string, out: string): string[] {
  return [
    CLI, 'pretrain', '--data', data, '--out-dir', out, '--config', 'tiny',
    '--config-overrides', JSON.stringify({ embedDim: 8, heads: [2, 2, 2, 2], headHidden: 32, headBottleneck: 16, outDim: 64, imgSize: [32, 32, 32] }),
    '--epochs', '3', '--steps-per-epoch', '2', '--batch-size', '1', '--warmup-epochs', '1',
    '--checkpoint-every', '2', '--snapshot-every', '100', '--seed', '3', '--spacing', '6,6,6',
  ];
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

test('SIGKILL during an interval, then --resume, ends in the state of an uninterrupted run', { timeout: 240_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'smit-resume-'));
  const data = await writePhantomDataset(join(dir, 'data'), 2, 5, { size: [64, 64, 48] });

  const full = spawnSync(process.execPath, args(data, join(dir, 'full')), { env, encoding: 'utf8' });
  assert.equal(full.status, 0, full.stderr);

  const killedOut = join(dir, 'killed');
  const child = spawn(process.execPath, args(data, killedOut), { env, stdio: 'ignore' });
  const metrics = join(killedOut, 'metrics.jsonl');
  const started = Date.now();
  // Kill once step 3 is logged: the checkpoint of step 2 exists, step 3's work is lost.
  while (!(existsSync(metrics) && readFileSync(metrics, 'utf8').includes('"step":3,'))) {
    assert.ok(Date.now() - started < 180_000, 'run did not reach step 3');
    assert.equal(child.exitCode, null, 'run ended before it could be killed');
    await sleep(20);
  }
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  assert.equal(child.signalCode, 'SIGKILL');

  const resumed = spawnSync(process.execPath, [...args(data, killedOut), '--resume'], { env, encoding: 'utf8' });
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.match(resumed.stderr, /resumed from step 2 of 6/);

  const a = T.loadSafetensors(join(dir, 'full', 'checkpoint.safetensors'));
  const b = T.loadSafetensors(join(killedOut, 'checkpoint.safetensors'));
  assert.deepEqual([...b.tensors.keys()].sort(), [...a.tensors.keys()].sort());
  for (const [key, value] of a.tensors) {
    assert.ok(Buffer.from(value.toBytes()).equals(Buffer.from(b.tensors.get(key)!.toBytes())), `${key} differs`);
  }
  const steps = (p: string) => readFileSync(p, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const fullMetrics = steps(join(dir, 'full', 'metrics.jsonl'));
  const resumedMetrics = steps(metrics);
  assert.deepEqual(resumedMetrics.map((m) => m.step), [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(resumedMetrics.map((m) => m.lossTotal), fullMetrics.map((m) => m.lossTotal));
});
