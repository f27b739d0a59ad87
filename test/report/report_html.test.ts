// smit report's page for pre-training and fine-tuning folders (side by side
// in a demo folder, so also the one level of sub-folders): sections, the
// pictures by relative URL, key numbers, the Dice table per organ; and the
// command's argument handling.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { reportCommand, withRunDirFlag } from '../../src/cli/commands/report.js';
import { writeReport } from '../../src/report/write_report.js';
import { runKinds } from '../../src/report/run_kinds.js';
import { UsageError, parseCommand } from '../../src/util/options.js';
import { writePng } from '../../src/viz/png.js';
import { makeTempDir } from '../helpers/temp_dir.js';

const tinyPng = (path: string) => writePng(path, 2, 2, new Uint8Array(12).fill(128), 3);

/** A safetensors file with no tensors, only the metadata a pre-training checkpoint carries. */
function writeCheckpointHeader(path: string, state: object): void {
  const header = Buffer.from(JSON.stringify({ __metadata__: { format: 'smit-pretrain-checkpoint/1', state: JSON.stringify(state) } }));
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(header.length));
  writeFileSync(path, Buffer.concat([length, header]));
}

const jsonl = (rows: object[]) => rows.map((r) => `${JSON.stringify(r)}\n`).join('');

function writePretrainRun(dir: string): { finalTotal: number } {
  mkdirSync(dir, { recursive: true });
  const rows = Array.from({ length: 30 }, (_, i) => ({
    step: i + 1,
    epoch: Math.floor(i / 10),
    lossTotal: 2 - i * 0.05,
    lossMip: 0.5 - i * 0.01,
    lossMpd: 5,
    lossItd: 6,
    lr: 1e-4,
    seconds: 2,
  }));
  writeFileSync(join(dir, 'metrics.jsonl'), jsonl(rows));
  writeCheckpointHeader(join(dir, 'checkpoint.safetensors'), { step: 25, options: { config: 'tiny', data: ['/data/ct.nii.gz'] } });
  tinyPng(join(dir, 'loss_curves.png'));
  tinyPng(join(dir, 'reconstruction.png'));
  // diagnostics.png left out: the page must say so instead of showing a broken image.
  const last10 = rows.slice(-10);
  return { finalTotal: last10.reduce((s, r) => s + r.lossTotal, 0) / 10 };
}

const ORGANS = ['liver', 'spleen', 'left kidney'];

function writeFinetuneRun(dir: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'plans.json'), JSON.stringify({ options: { pretrained: '/runs/encoder.safetensors' }, classNames: ['background', ...ORGANS], totalSteps: 40 }));
  writeFileSync(join(dir, 'splits.json'), JSON.stringify({ train: ['a', 'b', 'c'], val: ['d'] }));
  writeFileSync(
    join(dir, 'metrics.jsonl'),
    jsonl(Array.from({ length: 30 }, (_, i) => ({ step: i + 1, epoch: i, loss: 1.5 - i * 0.02, lossDice: 0.6, lossCe: 0.3, lr: 1e-3, seconds: 1 }))),
  );
  writeFileSync(
    join(dir, 'validation.jsonl'),
    jsonl([
      { step: 10, perCase: [{ id: 'd', dice: [0.5, 0.4, 0.3] }], meanPerClass: [0.5, 0.4, 0.3], meanDice: 0.4 },
      { step: 20, perCase: [{ id: 'd', dice: [0.91, 0.82, 0.67] }], meanPerClass: [0.91, 0.82, 0.67], meanDice: 0.8 },
      // An organ missing from the case: JSON's null for NaN.
      { step: 30, perCase: [{ id: 'd', dice: [0.9, 0.7, null] }], meanPerClass: [0.9, 0.7, null], meanDice: 0.75 },
    ]),
  );
  tinyPng(join(dir, 'progress.png'));
  tinyPng(join(dir, 'validation_overlay.png'));
  writeFileSync(join(dir, 'model_best.safetensors'), '');
}

/** The HTML of the section of `kind` for `folder`. */
function section(html: string, kind: string, folder: string): string {
  const match = new RegExp(`<section class="run"[^>]*data-kind="${kind}" data-folder="${folder}">([\\s\\S]*?)</section>`).exec(html);
  assert.ok(match, `no ${kind} section for '${folder}'`);
  return match[1];
}

/** The <dd> shown for a key number. */
function keyNumber(html: string, label: string): string {
  const match = new RegExp(`<dt>${label}</dt><dd>([^<]*)</dd>`).exec(html);
  assert.ok(match, `no key number '${label}'`);
  return match[1];
}

describe('smit report: pre-training and fine-tuning folders', () => {
  const demo = makeTempDir('smit-report-');
  const { finalTotal } = writePretrainRun(join(demo, 'pretrain'));
  writeFinetuneRun(join(demo, 'finetune'));
  mkdirSync(join(demo, 'data'));

  test('folder kinds are told by their files', () => {
    assert.deepEqual(runKinds(join(demo, 'pretrain')), ['pretraining']);
    assert.deepEqual(runKinds(join(demo, 'finetune')), ['finetuning']);
    assert.deepEqual(runKinds(join(demo, 'data')), []);
  });

  test('one section per sub-run, pictures by relative URL, key numbers, Dice per organ', async () => {
    const result = await writeReport(demo);
    assert.equal(result.path, join(demo, 'report.html'));
    assert.deepEqual(result.sections, [
      { folder: 'finetune', kind: 'finetuning' },
      { folder: 'pretrain', kind: 'pretraining' },
    ]);
    assert.equal(result.viewers, 0);
    const html = readFileSync(result.path, 'utf8');
    assert.doesNotMatch(html, /niivue/, 'no viewer, so no NiiVue');

    const pre = section(html, 'pretraining', 'pretrain');
    assert.match(pre, /<img src="pretrain\/loss_curves\.png"/);
    assert.match(pre, /<img src="pretrain\/reconstruction\.png"/);
    assert.match(pre, /diagnostics\.png is not written yet/);
    assert.equal(keyNumber(pre, 'steps logged'), '30');
    assert.equal(keyNumber(pre, 'checkpoint step'), '25');
    assert.equal(keyNumber(pre, 'network'), 'tiny');
    assert.equal(keyNumber(pre, 'final total loss \\(mean of the last 10 steps\\)'), finalTotal.toFixed(4));
    assert.equal(keyNumber(pre, 'final MIP loss'), ((0.5 - 20 * 0.01 + 0.5 - 29 * 0.01) / 2).toFixed(4));
    assert.equal(keyNumber(pre, 'training time'), '60.0 s');
    assert.match(pre, /<a href="pretrain\/metrics\.jsonl">/);

    const fine = section(html, 'finetuning', 'finetune');
    assert.match(fine, /<img src="finetune\/progress\.png"/);
    assert.match(fine, /<img src="finetune\/validation_overlay\.png"/);
    assert.equal(keyNumber(fine, 'steps'), '30 of 40');
    assert.equal(keyNumber(fine, 'best validation Dice'), '0.8000 (step 20)');
    assert.equal(keyNumber(fine, 'last validation Dice'), '0.7500 (step 30)');
    assert.equal(keyNumber(fine, 'cases \\(train / validation\\)'), '3 / 1');
    assert.equal(keyNumber(fine, 'final loss \\(Dice \\+ CE\\)'), '0.9200 (0.600 + 0.300)');
    const rows = [...fine.matchAll(/<tr data-organ="([^"]+)">(.*?)<\/tr>/g)].map((m) => [m[1], [...m[2].matchAll(/<td[^>]*>([^<]*)<\/td>/g)].map((c) => c[1])]);
    assert.deepEqual(rows, [
      ['liver', ['liver', '0.9100', '0.9000']],
      ['spleen', ['spleen', '0.8200', '0.7000']],
      ['left kidney', ['left kidney', '0.6700', 'n/a']],
    ]);
    assert.match(fine, /Dice best \(step 20\)<\/th><th class="num">Dice last \(step 30\)/);
  });

  test('a folder with no run is refused, naming it', async () => {
    await assert.rejects(writeReport(join(demo, 'data')), (e: Error) => e.message.startsWith(`${join(demo, 'data')}: holds no run`));
  });

  test('RUN_DIR may come first, as a bare argument', async () => {
    assert.deepEqual(withRunDirFlag(['runs/demo', '--embed-limit-mb', '5']), ['--run-dir', 'runs/demo', '--embed-limit-mb', '5']);
    assert.deepEqual(withRunDirFlag(['--run-dir', 'x']), ['--run-dir', 'x']);
    const parsed = parseCommand('report', reportCommand.options, withRunDirFlag([join(demo, 'nothing-here')]));
    await assert.rejects(reportCommand.run(parsed.values!), (e: Error) => e instanceof UsageError && /--run-dir: .*nothing-here: no such folder/.test(e.message));
  });
});
