// evaluate: hand-made label maps with known Dice / HD95 / ASSD, the
// summary.json and metrics.csv layouts, pairing from folders and dataset
// JSONs, grid mismatches, and the CLI's usage errors.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { Image, saveImage } from '../../src/data/index.js';
import { evaluate, metricsCsv, pairDataset, pairFolders, summaryJson, writeEvaluation } from '../../src/seg/evaluate.js';
import { evaluateCommand } from '../../src/cli/commands/evaluate.js';
import { UsageError, parseCommand } from '../../src/util/options.js';
import { makeTempDir } from '../helpers/temp_dir.js';

process.env.SMIT_NO_PROGRESS = '1';

// 12 × 10 × 8 voxels (x, y, z) of 2 × 1 × 1 mm, axes flipped so spacing must come from the affine's columns.
const SIZE = [12, 10, 8] as const;
const AFFINE = [
  [-2, 0, 0, 40],
  [0, -1, 0, 5],
  [0, 0, 1, -3],
  [0, 0, 0, 1],
];

/** Cubes [lo, lo + edge) of class `id`, each shifted by `shift` voxels. */
function labelMap(cubes: { id: number; lo: [number, number, number]; edge: number }[], source: string, shift: [number, number, number] = [0, 0, 0]): Image {
  const [nx, ny, nz] = SIZE;
  const data = new Uint8Array(nx * ny * nz);
  for (const { id, lo, edge } of cubes) {
    for (let z = lo[2] + shift[2]; z < lo[2] + shift[2] + edge; z++) {
      for (let y = lo[1] + shift[1]; y < lo[1] + shift[1] + edge; y++) {
        for (let x = lo[0] + shift[0]; x < lo[0] + shift[0] + edge; x++) data[(z * ny + y) * nx + x] = id;
      }
    }
  }
  return new Image({ data, shape: [nz, ny, nx], affine: AFFINE, source });
}

const CUBES = [
  { id: 1, lo: [1, 1, 1] as [number, number, number], edge: 4 },
  { id: 2, lo: [6, 5, 3] as [number, number, number], edge: 3 },
];
const NAMES = ['background', 'liver', 'spleen', 'pancreas'];

describe('evaluate', () => {
  test('a perfect prediction scores Dice 1 and distances 0', async () => {
    const reference = labelMap(CUBES, 'ref.nii.gz');
    const summary = await evaluate([{ id: 'a', prediction: labelMap(CUBES, 'pred.nii.gz'), reference }], { classNames: NAMES.slice(0, 3) });
    assert.deepEqual(summary.perCase[0].classes.liver, { classId: 1, dice: 1, hd95: 0, assd: 0, predVoxels: 64, refVoxels: 64 });
    assert.deepEqual(summary.perCase[0].classes.spleen, { classId: 2, dice: 1, hd95: 0, assd: 0, predVoxels: 27, refVoxels: 27 });
    assert.deepEqual(summary.foregroundMean, { dice: 1, hd95: 0, assd: 0 });
  });

  test('a one-voxel shift gives the known Dice, HD95 and ASSD in mm of the reference spacing', async () => {
    const reference = labelMap(CUBES.slice(0, 1), 'ref.nii.gz');
    const alongX = labelMap(CUBES.slice(0, 1), 'x.nii.gz', [1, 0, 0]);
    const alongY = labelMap(CUBES.slice(0, 1), 'y.nii.gz', [0, 1, 0]);
    const summary = await evaluate(
      [
        { id: 'x', prediction: alongX, reference },
        { id: 'y', prediction: alongY, reference },
      ],
      { classIds: [1] },
    );
    // 4³ cube, 56 surface voxels: shifted by one voxel, 16 are one step away, 4 (the inner face) are one step along the other axis, 36 stay.
    const [x, y] = summary.perCase.map((c) => c.classes.class_1);
    assert.equal(x.dice, 0.75);
    assert.equal(x.hd95, 2);
    assert.ok(Math.abs(x.assd - (2 * (16 * 2 + 4 * 1)) / 112) < 1e-12);
    assert.equal(y.dice, 0.75);
    assert.equal(y.hd95, 1);
    assert.ok(Math.abs(y.assd - (2 * (16 * 1 + 4 * 1)) / 112) < 1e-12);
    assert.deepEqual(summary.meanSd.class_1.hd95, [1.5, 0.5]);
    assert.equal(summary.mean.class_1.dice, 0.75);
  });

  test('empty classes: NaN where neither map has it (null in JSON), Dice 0 and NaN distances where one has', async () => {
    const reference = labelMap(CUBES, 'ref.nii.gz');
    const prediction = labelMap(CUBES.slice(0, 1), 'pred.nii.gz');
    const summary = await evaluate([{ id: 'a', prediction, reference }], { classNames: NAMES });
    const { spleen, pancreas } = summary.perCase[0].classes;
    assert.equal(spleen.dice, 0);
    assert.ok(Number.isNaN(spleen.hd95) && Number.isNaN(spleen.assd));
    assert.ok(Number.isNaN(pancreas.dice));
    assert.equal(summary.foregroundMean.dice, 0.5, 'nanmean over liver 1 and spleen 0');
    const json = JSON.parse(summaryJson(summary));
    assert.equal(json.perCase[0].classes.pancreas.dice, null);
    assert.deepEqual(json.meanSd.pancreas.dice, [null, null]);
    assert.equal(json.mean.spleen.hd95, null);
    assert.deepEqual(Object.keys(json), ['classes', 'perCase', 'mean', 'meanSd', 'foregroundMean']);
    assert.deepEqual(Object.keys(json.perCase[0]), ['id', 'prediction', 'reference', 'classes']);
    assert.deepEqual(Object.keys(json.perCase[0].classes), ['liver', 'spleen', 'pancreas']);
    assert.deepEqual(json.classes, [{ id: 1, name: 'liver' }, { id: 2, name: 'spleen' }, { id: 3, name: 'pancreas' }]);

    const rows = metricsCsv(summary).trimEnd().split('\n');
    assert.equal(rows[0], 'case,prediction,reference,class_id,class,dice,hd95_mm,assd_mm,pred_voxels,ref_voxels');
    assert.equal(rows.length, 1 + 3);
    assert.equal(rows[1], 'a,pred.nii.gz,ref.nii.gz,1,liver,1,0,0,64,64');
    assert.equal(rows[2], 'a,pred.nii.gz,ref.nii.gz,2,spleen,0,,,0,27');
    assert.equal(rows[3], 'a,pred.nii.gz,ref.nii.gz,3,pancreas,,,,0,0');
  });

  test('prediction and reference on different grids: the error names both', async () => {
    const reference = labelMap(CUBES, 'ref/case.nii.gz');
    const moved = new Image({ data: reference.data, shape: reference.shape, affine: AFFINE.map((row, r) => (r === 0 ? [...row.slice(0, 3), 41] : row)), source: 'pred/case.nii.gz' });
    await assert.rejects(evaluate([{ id: 'case', prediction: moved, reference }]), /pred\/case\.nii\.gz: grid does not match ref\/case\.nii\.gz/);
    const smaller = new Image({ data: new Uint8Array(4 * 4 * 4), shape: [4, 4, 4], affine: AFFINE, source: 'pred/case.nii.gz' });
    await assert.rejects(evaluate([{ id: 'case', prediction: smaller, reference }]), /pred\/case\.nii\.gz: grid does not match ref\/case\.nii\.gz: shape 4×4×4 vs 12×10×8/);
  });

  test('pairing: folders by file name (also <x>_seg.nii.gz), or a dataset JSON with its class names', async () => {
    const dir = makeTempDir('smit-evaluate-');
    const [pred, ref, out] = ['pred', 'ref', 'out'].map((d) => join(dir, d));
    mkdirSync(pred);
    mkdirSync(ref);
    await saveImage(labelMap(CUBES, 'r'), join(ref, 'case_1.nii.gz'));
    await saveImage(labelMap(CUBES, 'r'), join(ref, 'case_2.nii.gz'));
    await saveImage(labelMap(CUBES, 'p'), join(pred, 'case_1.nii.gz'));
    await assert.rejects(pairFolders(pred, ref), /has no prediction for 1 of 2 references .*: case_2/);
    await saveImage(labelMap(CUBES, 'p', [1, 0, 0]), join(pred, 'case_2_seg.nii.gz'));
    const pairs = await pairFolders(pred, ref);
    assert.deepEqual(pairs, [
      { id: 'case_1', prediction: join(pred, 'case_1.nii.gz'), reference: join(ref, 'case_1.nii.gz') },
      { id: 'case_2', prediction: join(pred, 'case_2_seg.nii.gz'), reference: join(ref, 'case_2.nii.gz') },
    ]);

    const dataset = join(dir, 'dataset.json');
    writeFileSync(dataset, JSON.stringify({
      labels: { 0: 'background', 1: 'liver', 2: 'spleen' },
      training: [
        { image: 'images/case_1_0000.nii.gz', label: 'ref/case_1.nii.gz' },
        { image: 'images/case_2.nii.gz', label: 'ref/case_2.nii.gz' },
        { image: 'images/case_3.nii.gz', label: 'ref/case_3.nii.gz' },
      ],
    }));
    const fromJson = await pairDataset(dataset, pred);
    assert.deepEqual(fromJson.pairs, pairs);
    assert.deepEqual(fromJson.unmatched, [join(ref, 'case_3.nii.gz')]);
    const summary = await evaluate(fromJson.pairs, { classNames: fromJson.classNames });
    assert.deepEqual(summary.classes.map((c) => c.name), ['liver', 'spleen']);
    assert.equal(summary.perCase[1].classes.liver.dice, 0.75);
    const written = await writeEvaluation(summary, out);
    assert.equal(JSON.parse(readFileSync(written.summary, 'utf8')).perCase.length, 2);
    assert.equal(readFileSync(written.csv, 'utf8').trimEnd().split('\n').length, 1 + 2 * 2);

    // The command: reads the folders, writes both files, refuses to replace them without --overwrite.
    const values = parse(['--predictions', pred, '--references', dataset, '--out-dir', join(dir, 'cli'), '--classes', '1']);
    await evaluateCommand.run(values);
    const cli = JSON.parse(readFileSync(join(dir, 'cli', 'summary.json'), 'utf8'));
    assert.deepEqual(Object.keys(cli.mean), ['liver']);
    await assert.rejects(evaluateCommand.run(values), (e: Error) => e instanceof UsageError && /summary\.json .*exist; pass --overwrite/.test(e.message));
    await evaluateCommand.run({ ...values, overwrite: true });
  });
});

function parse(argv: string[]) {
  const parsed = parseCommand('evaluate', evaluateCommand.options, argv);
  assert.ok(parsed.values, 'parsed');
  return parsed.values;
}

describe('smit evaluate options', () => {
  test('usage errors (exit 2) name the option', async () => {
    const bad: [string[], RegExp][] = [
      [['--references', 'r', '--out-dir', 'o'], /--predictions is required/],
      [['--predictions', 'p', '--references', 'r', '--out-dir', 'o', '--classes', '1,x'], /--classes: expected 1 or more integers/],
      [['--predictions', 'p', '--references', 'r', '--out-dir', 'o', '--classes', '-1'], /--classes/],
      [['--predictions', 'p', '--references', 'r', '--out-dir', 'o', 'extra'], /unexpected argument 'extra'/],
    ];
    for (const [argv, message] of bad) assert.throws(() => parseCommand('evaluate', evaluateCommand.options, argv), (e: Error) => e instanceof UsageError && message.test(e.message));
    await assert.rejects(evaluateCommand.run(parse(['--predictions', '/nonexistent/p', '--references', 'r', '--out-dir', 'o'])), (e: Error) => e instanceof UsageError && /--predictions: \/nonexistent\/p: no such folder/.test(e.message));
    const dir = makeTempDir('smit-evaluate-cli-');
    await assert.rejects(evaluateCommand.run(parse(['--predictions', dir, '--references', dir, '--out-dir', dir])), /no \.nii\/\.nii\.gz reference label maps/);
  });
});
