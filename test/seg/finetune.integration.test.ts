// Fine-tuning and cross-validation on small generated phantoms: the run
// folder, exact resume, folds reused on rerun, and the bad inputs that must
// stop a run with a message naming the file or option.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import * as T from '../../src/engine/index.js';
import { writePhantomDataset } from '../../src/data/index.js';
import { runCrossValidation } from '../../src/seg/cross_validation.js';
import { FINETUNE_DEFAULTS, type FinetuneOptions } from '../../src/seg/finetune_options.js';
import { loadSegmenter } from '../../src/seg/model_file.js';
import { runFinetuning } from '../../src/seg/run_finetuning.js';
import { REPO_ROOT } from '../helpers/env.js';

const dir = mkdtempSync(join(tmpdir(), 'smit-finetune-'));
let dataset: Promise<string> | undefined;
const phantoms = () => (dataset ??= writePhantomDataset(join(dir, 'data'), 4, 7, { size: [40, 40, 32] }));

async function options(outDir: string, extra: Partial<FinetuneOptions> = {}): Promise<FinetuneOptions> {
  return {
    ...FINETUNE_DEFAULTS,
    data: await phantoms(),
    outDir: join(dir, outDir),
    config: 'tiny',
    configOverrides: { embedDim: 8, featureSize: 8, heads: [2, 2, 2, 2], imgSize: [32, 32, 32] },
    spacing: [12, 12, 12],
    epochs: 2,
    warmupEpochs: 1,
    samples: 2,
    lr: 1e-3,
    valCases: ['phantom_003'],
    checkpointEvery: 2,
    seed: 3,
    ...extra,
  };
}

test('a fine-tuning run folder holds plans, splits, logs, progress.png and loadable models', async () => {
  const o = await options('run');
  const result = await runFinetuning(o);
  assert.equal(result.finetuner.step, 6, '3 training cases × 2 epochs');
  for (const file of Object.values(result.files)) assert.ok(existsSync(file), `${file} written`);
  const splits = JSON.parse(readFileSync(result.files.splits, 'utf8'));
  assert.deepEqual(splits, { train: ['phantom_000', 'phantom_001', 'phantom_002'], val: ['phantom_003'] });
  const { model, info } = loadSegmenter(result.files.best);
  assert.deepEqual(info.classNames.slice(0, 2), ['background', 'liver']);
  assert.deepEqual(info.recipe.spacing, [12, 12, 12]);
  assert.equal(model.config.classes, 8);
  model.dispose();
  await assert.rejects(runFinetuning(o), /already holds a run/, 'a finished run is not overwritten by a second one');
});

test('stopping after 3 steps and resuming ends exactly where an uninterrupted run ends', async () => {
  const whole = await runFinetuning(await options('whole'));
  await runFinetuning(await options('parts', { maxSteps: 3 }));
  const resumed = await runFinetuning(await options('parts', { resume: true }));
  assert.equal(resumed.finetuner.step, whole.finetuner.step);
  const a = T.loadSafetensors(whole.files.checkpoint).tensors;
  const b = T.loadSafetensors(resumed.files.checkpoint).tensors;
  assert.deepEqual([...b.keys()].sort(), [...a.keys()].sort());
  for (const [key, value] of a) assert.ok(Buffer.from(value.toBytes()).equals(Buffer.from(b.get(key)!.toBytes())), `${key} differs`);
  const losses = (path: string) => readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l).loss);
  assert.deepEqual(losses(resumed.files.metrics), losses(whole.files.metrics));
});

test('cross-validation writes splits.json once, one run per fold, and a pooled table; a rerun reuses both', async () => {
  const o = await options('cv', { valCases: [], epochs: 1 });
  const [summary] = await runCrossValidation({ finetune: o, folds: 2, compareScratch: false });
  assert.equal(summary.arm, 'scratch');
  assert.equal(summary.cases.length, 4, 'every case held out once');
  assert.deepEqual(Object.keys(summary.organs), ['liver', 'spleen', 'right_kidney', 'left_kidney', 'stomach', 'aorta', 'spine']);
  for (const name of ['splits.json', 'cv_summary.json', 'cv_summary.md', 'cv_dice.png']) assert.ok(existsSync(join(o.outDir, name)), name);
  const splits = JSON.parse(readFileSync(join(o.outDir, 'splits.json'), 'utf8'));
  assert.deepEqual(splits.flatMap((f: { val: string[] }) => f.val).sort(), ['phantom_000', 'phantom_001', 'phantom_002', 'phantom_003']);
  const model = join(o.outDir, 'scratch', 'fold_0', 'model_last.safetensors');
  const before = statSync(model).mtimeMs;
  const [again] = await runCrossValidation({ finetune: o, folds: 2, compareScratch: false });
  assert.equal(statSync(model).mtimeMs, before, 'finished folds are not trained again');
  assert.deepEqual(again.cases, summary.cases);
});

test('bad inputs stop the run naming the option or file', async () => {
  await assert.rejects(runCrossValidation({ finetune: await options('cv-k', { valCases: [] }), folds: 9, compareScratch: false }), /--folds 9: must be between 2 and the number of labelled cases \(4\)/);
  await assert.rejects(runFinetuning(await options('bad-case', { valCases: ['phantom_999'] })), /--val-cases: no case 'phantom_999'/);
  const json = JSON.parse(readFileSync(await phantoms(), 'utf8'));
  const threeClasses = join(dir, 'data', 'three_classes.json');
  writeFileSync(threeClasses, JSON.stringify({ ...json, labels: { 0: 'background', 1: 'liver', 2: 'spleen' } }));
  await assert.rejects(runFinetuning(await options('bad-labels', { data: threeClasses })), /labelsTr\/phantom_00\d\.nii\.gz.*not in the class list \[0, 1, 2\]/s);
  const noLabels = join(dir, 'data', 'no_labels.json');
  writeFileSync(noLabels, JSON.stringify({ ...json, labels: undefined }));
  await assert.rejects(runFinetuning(await options('no-labels', { data: noLabels })), /no_labels\.json: no "labels" table/);
});

test('smit finetune killed with SIGKILL after a checkpoint, then --resume, ends identical to an uninterrupted run', { timeout: 240_000 }, async () => {
  const dataPath = await phantoms();
  const cli = join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');
  const env = { ...process.env, SMIT_NUM_THREADS: '1', SMIT_NO_PROGRESS: '1' };
  const args = (out: string) => [
    cli, 'finetune', '--data', dataPath, '--out-dir', join(dir, out), '--config', 'tiny',
    '--config-overrides', JSON.stringify({ embedDim: 8, featureSize: 8, heads: [2, 2, 2, 2], imgSize: [32, 32, 32] }),
    '--spacing', '12,12,12', '--epochs', '2', '--warmup-epochs', '1', '--samples', '2', '--lr', '0.001',
    '--val-cases', 'phantom_003', '--checkpoint-every', '2', '--validate-every', '100', '--seed', '5',
  ];
  const full = spawnSync(process.execPath, args('cli-full'), { env, encoding: 'utf8' });
  assert.equal(full.status, 0, full.stderr);
  const child = spawn(process.execPath, args('cli-killed'), { env, stdio: 'ignore' });
  const metrics = join(dir, 'cli-killed', 'metrics.jsonl');
  const started = Date.now();
  while (!(existsSync(metrics) && readFileSync(metrics, 'utf8').includes('"step":3,'))) {
    assert.ok(Date.now() - started < 180_000, 'run did not reach step 3');
    assert.equal(child.exitCode, null, 'run ended before it could be killed');
    await new Promise((r) => setTimeout(r, 20));
  }
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  const resumed = spawnSync(process.execPath, [...args('cli-killed'), '--resume'], { env, encoding: 'utf8' });
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.match(resumed.stderr, /resumed from step 2 of 6/);
  const a = T.loadSafetensors(join(dir, 'cli-full', 'checkpoint.safetensors')).tensors;
  const b = T.loadSafetensors(join(dir, 'cli-killed', 'checkpoint.safetensors')).tensors;
  for (const [key, value] of a) assert.ok(Buffer.from(value.toBytes()).equals(Buffer.from(b.get(key)!.toBytes())), `${key} differs`);
  const steps = readFileSync(metrics, 'utf8').trim().split('\n').map((l) => JSON.parse(l).step);
  assert.deepEqual(steps, [1, 2, 3, 4, 5, 6], 'the step logged after the checkpoint and lost is dropped, then logged again');
});
