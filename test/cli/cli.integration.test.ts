import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import * as T from '../../src/engine/index.js';
import { writePhantomDataset } from '../../src/data/index.js';
import { REPO_ROOT } from '../helpers/env.js';

const CLI = join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');
const env = { ...process.env, SMIT_NO_PROGRESS: '1' };
const smit = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { env, encoding: 'utf8' });

test('unknown commands and options are usage errors (exit 2) that name the problem', () => {
  const unknownCommand = smit('pretrian');
  assert.equal(unknownCommand.status, 2);
  assert.match(unknownCommand.stderr, /unknown command 'pretrian'/);
  const unknownOption = smit('pretrain', '--learning-rate', '3');
  assert.equal(unknownOption.status, 2);
  assert.match(unknownOption.stderr, /unknown option '--learning-rate'/);
  assert.match(unknownOption.stderr, /--lr-per-volume/);
  const badNumber = smit('pretrain', '--data', 'x.json', '--epochs', 'many');
  assert.equal(badNumber.status, 2);
  assert.match(badNumber.stderr, /--epochs: expected an integer ≥ 1, got 'many'/);
});

test('pretrain on a missing dataset fails with the path in the message', () => {
  const r = smit('pretrain', '--data', '/nonexistent/dataset.json', '--out-dir', mkdtempSync(join(tmpdir(), 'smit-cli-')));
  assert.equal(r.status, 1);
  assert.match(r.stderr, /--data: \/nonexistent\/dataset\.json: no such file or folder/);
});

test('pretrain a few steps, then export-encoder writes the backbone with official key names', { timeout: 180_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'smit-cli-'));
  const data = await writePhantomDataset(join(dir, 'data'), 1, 2, { size: [48, 48, 40] });
  const args = [
    'pretrain', '--data', data, '--out-dir', join(dir, 'run'), '--config', 'tiny',
    '--config-overrides', JSON.stringify({ embedDim: 8, heads: [2, 2, 2, 2], headHidden: 32, headBottleneck: 16, outDim: 64, imgSize: [32, 32, 32] }),
    '--epochs', '2', '--steps-per-epoch', '1', '--batch-size', '1', '--warmup-epochs', '1', '--spacing', '8,8,8',
  ];
  const run = smit(...args);
  assert.equal(run.status, 0, run.stderr);
  for (const file of ['checkpoint.safetensors', 'metrics.jsonl', 'loss_curves.png', 'reconstruction.png']) {
    assert.equal(spawnSync('test', ['-s', join(dir, 'run', file)]).status, 0, `${file} written`);
  }
  const out = join(dir, 'encoder.safetensors');
  const exported = smit('export-encoder', '--checkpoint', join(dir, 'run', 'checkpoint.safetensors'), '--out', out);
  assert.equal(exported.status, 0, exported.stderr);
  const { tensors, metadata } = T.loadSafetensors(out);
  assert.ok([...tensors.keys()].every((k) => k.startsWith('transformer.') && k !== 'transformer.mask_token'));
  assert.ok(tensors.has('transformer.layers.0.blocks.0.attn.relative_position_bias_table'));
  assert.equal(JSON.parse(metadata.config).embedDim, 8);

  assert.equal(smit('export-encoder', '--checkpoint', join(dir, 'run', 'checkpoint.safetensors'), '--out', out).status, 2, 'an existing --out is kept');
  assert.equal(smit('export-encoder', '--checkpoint', join(dir, 'run', 'checkpoint.safetensors'), '--out', out, '--overwrite').status, 0);

  // --overwrite starts afresh and keeps the old run's files as *.previous.
  const firstMetrics = readFileSync(join(dir, 'run', 'metrics.jsonl'), 'utf8');
  const again = smit(...args, '--max-steps', '1', '--overwrite');
  assert.equal(again.status, 0, again.stderr);
  assert.equal(readFileSync(join(dir, 'run', 'metrics.jsonl.previous'), 'utf8'), firstMetrics);
  assert.ok(existsSync(join(dir, 'run', 'checkpoint.safetensors.previous')));
  assert.equal(readFileSync(join(dir, 'run', 'metrics.jsonl'), 'utf8').trim().split('\n').length, 1);
});
