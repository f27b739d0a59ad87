// segment / segmentFolder: the label map lands on the scan's own grid (a
// permuted, LPS-flipped, anisotropic one here) with its header; a pointwise
// predictor makes the expected labels computable straight from the scan.
// Also: largest components, organ volumes, mirror TTA, bad inputs, the CLI's
// usage errors.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import * as T from '../../src/engine/index.js';
import type { Tensor } from '../../src/engine/index.js';
import { CT_WINDOW, Image, createNiftiHeader, loadImage, maxAbsDifference, saveImage } from '../../src/data/index.js';
import { SmitSegmenter, smitConfig } from '../../src/models/index.js';
import { saveSegmenter } from '../../src/seg/model_file.js';
import type { SegRecipe } from '../../src/seg/recipe.js';
import { keepLargestComponents, openSegmenter, organVolumes, segment, segmentFolder } from '../../src/seg/segment.js';
import { windowSize } from '../../src/seg/predict.js';
import { segmentCommand } from '../../src/cli/commands/segment.js';
import { UsageError, parseCommand } from '../../src/util/options.js';
import { makeTempDir } from '../helpers/temp_dir.js';

process.env.SMIT_NO_PROGRESS = '1';

// Scan voxel axes: i runs toward posterior (1.5 mm), j toward the patient's left (1.25 mm), k superior (4 mm).
const SIZE = [20, 16, 8] as const; // (ni, nj, nk)
const AFFINE = [
  [0, -1.25, 0, 10],
  [-1.5, 0, 0, 20],
  [0, 0, 4, -10],
  [0, 0, 0, 1],
];
const AIR = -1000;
const BODY = 0;
const ORGAN = 200;
// The RAS-canonical spacing of that grid, so resampling leaves the voxels as they are.
const RECIPE: SegRecipe = { spacing: [1.25, 1.5, 4], intensity: { kind: 'window', window: CT_WINDOW }, crop: [32, 32, 32] };
const CLASS_NAMES = ['background', 'body', 'organ'];

const inBox = (v: readonly number[], lo: readonly number[], hi: readonly number[]) => v.every((x, a) => x >= lo[a] && x <= hi[a]);

/** Air around a body box, a large organ blob and a small one of the same class, off-centre so any flip shows. */
function scanImage(source?: string): Image {
  const [ni, nj, nk] = SIZE;
  const data = new Float32Array(ni * nj * nk);
  for (let k = 0; k < nk; k++) {
    for (let j = 0; j < nj; j++) {
      for (let i = 0; i < ni; i++) {
        const v = [i, j, k];
        const organ = inBox(v, [3, 2, 1], [7, 5, 3]) || inBox(v, [14, 10, 5], [15, 11, 5]);
        data[(k * nj + j) * ni + i] = organ ? ORGAN : inBox(v, [1, 1, 0], [18, 14, 7]) ? BODY : AIR;
      }
    }
  }
  const header = { ...createNiftiHeader(), descrip: 'synthetic LPS scan' };
  return new Image({ data, shape: [nk, nj, ni], affine: AFFINE, header, source });
}

// Class k wins where the windowed intensity is nearest CENTRES[k]: air → 0, body → 1, organ → 2.
const CENTRES = [0, 0.45, 0.8];
const windowed = (hu: number) => Math.min(1, Math.max(0, (hu - CT_WINDOW.aMin) / (CT_WINDOW.aMax - CT_WINDOW.aMin)));
const expectedClass = (hu: number) => {
  const distances = CENTRES.map((c) => Math.abs(windowed(hu) - c));
  return distances.indexOf(Math.min(...distances));
};

let predictorCalls = 0;
function pointwiseRule(windows: Tensor): Tensor {
  predictorCalls++;
  return T.cat(CENTRES.map((c) => windows.sub(c).abs().mul(-100)), 1);
}

function tinySegmenter(): SmitSegmenter {
  T.manualSeed(0);
  return new SmitSegmenter(smitConfig('tiny', { classes: 3, imgSize: [32, 32, 32] }));
}

function writeModel(dir: string): string {
  const path = join(dir, 'model.safetensors');
  const model = tinySegmenter();
  saveSegmenter(path, model, { config: model.config, recipe: RECIPE, classNames: CLASS_NAMES, step: 7, validationDice: NaN });
  model.dispose();
  return path;
}

describe('segment', () => {
  const dir = makeTempDir('smit-segment-');
  const modelPath = writeModel(dir);

  test('labels come back on the source grid with its affine and header, voxel for voxel as the rule says', async () => {
    const scan = scanImage('scan.nii.gz');
    const segmenter = openSegmenter(modelPath);
    const live = T.liveTensors();
    const result = await segment(scan, segmenter, { predictor: pointwiseRule });
    assert.equal(T.liveTensors(), live, 'no tensor left behind');
    segmenter.model.dispose();
    assert.deepEqual(result.labels.shape, scan.shape);
    assert.equal(maxAbsDifference(result.labels.affine, scan.affine), 0);
    assert.equal(result.labels.header?.descrip, 'synthetic LPS scan');
    assert.ok(result.labels.data instanceof Uint8Array);
    const expected = Uint8Array.from(scan.data, expectedClass);
    assert.deepEqual(result.labels.data, expected);
    assert.equal(result.probabilities, undefined);
    assert.deepEqual(result.volumes.map((v) => [v.id, v.name]), [[1, 'body'], [2, 'organ']]);
  });

  test('mirror TTA runs 8 passes per window and, for a flip-symmetric rule, changes nothing', async () => {
    const scan = scanImage('scan.nii.gz');
    const segmenter = openSegmenter(modelPath);
    predictorCalls = 0;
    const plain = await segment(scan, segmenter, { predictor: pointwiseRule });
    const plainCalls = predictorCalls;
    predictorCalls = 0;
    const mirrored = await segment(scan, segmenter, { predictor: pointwiseRule, tta: true, blend: 'gaussian', probabilities: true });
    segmenter.model.dispose();
    assert.equal(predictorCalls, 8 * plainCalls);
    assert.deepEqual(mirrored.labels.data, plain.labels.data);
    // Probabilities: one image per class on the resampled RAS grid's segmented box, summing to 1.
    const probabilities = mirrored.probabilities!;
    assert.equal(probabilities.length, 3);
    const sum = probabilities[0].data.map((p, i) => p + probabilities[1].data[i] + probabilities[2].data[i]);
    assert.ok(sum.every((s) => Math.abs(s - 1) < 1e-4));
    // Body box (i 1..18, j 1..14) in RAS: x = L→R runs along −j, y along −i; spacing 1.25, 1.5, 4.
    assert.deepEqual(probabilities[0].size, [14, 18, 8]);
    assert.deepEqual(probabilities[0].spacing.map((s) => Number(s.toFixed(6))), [1.25, 1.5, 4]);
    // Its first voxel is scan voxel (i 18, j 14, k 0) in the world.
    const world = scan.voxelToWorld(18, 14, 0);
    probabilities[0].voxelToWorld(0, 0, 0).forEach((w, a) => assert.ok(Math.abs(w - world[a]) < 1e-9, `world ${a}`));
  });

  test("window: 'whole' is one pass over the scan rounded up to the stride; sizes must be multiples of it", async () => {
    assert.deepEqual(windowSize('whole', [100, 70, 33], [64, 64, 32], 32), [128, 96, 64]);
    assert.deepEqual(windowSize('crop', [100, 70, 33], [64, 64, 32], 32), [64, 64, 32]);
    assert.deepEqual(windowSize([96, 64, 32], [100, 70, 33], [64, 64, 32], 32), [96, 64, 32]);
    assert.throws(() => windowSize([48, 64, 32], [100, 70, 33], [64, 64, 32], 32), /window must be .*three positive multiples of 32.*\[48,64,32\]/);
    const scan = scanImage('scan.nii.gz');
    const segmenter = openSegmenter(modelPath);
    const shapes: number[][] = [];
    const recording = (windows: Tensor) => {
      shapes.push(windows.shape);
      return pointwiseRule(windows);
    };
    const whole = await segment(scan, segmenter, { predictor: recording, window: 'whole' });
    assert.deepEqual(shapes, [[1, 1, 32, 32, 32]], 'one window of the prepared scan (body box 14×18×8, padded to the crop)');
    assert.deepEqual(whole.window, [32, 32, 32]);
    shapes.length = 0;
    const wide = await segment(scan, segmenter, { predictor: recording, window: [64, 32, 64] });
    assert.deepEqual(shapes, [[1, 1, 64, 32, 64]]);
    assert.deepEqual(wide.labels.data, whole.labels.data, 'a pointwise rule gives the same labels for any window');
    assert.deepEqual(whole.labels.data, Uint8Array.from(scan.data, expectedClass));
    await assert.rejects(segment(scan, segmenter, { window: [40, 32, 32] }), /multiples of 32/);
    segmenter.model.dispose();
  });

  test('largest component keeps only the largest blob of each organ', async () => {
    const segmenter = openSegmenter(modelPath);
    const result = await segment(scanImage('scan.nii.gz'), segmenter, { predictor: pointwiseRule, largestComponent: true });
    segmenter.model.dispose();
    const [ni, nj] = SIZE;
    const at = (i: number, j: number, k: number) => result.labels.data[(k * nj + j) * ni + i];
    assert.equal(at(5, 3, 2), 2, 'large organ blob kept');
    assert.equal(at(14, 10, 5), 0, 'small organ blob removed (to background)');
    assert.equal(result.volumes[1].voxels, 5 * 4 * 3);
  });

  test('keepLargestComponents: 26- versus 6-connectivity, per class', () => {
    const size = [6, 5, 4] as const;
    const labels = new Uint8Array(6 * 5 * 4);
    const set = (x: number, y: number, z: number, v: number) => (labels[(z * 5 + y) * 6 + x] = v);
    // Class 1: a 2×2×2 cube and a lone voxel; class 2: three voxels, the last touching only by a corner.
    for (const [x, y, z] of [[0, 0, 0], [1, 0, 0], [0, 1, 0], [1, 1, 0], [0, 0, 1], [1, 0, 1], [0, 1, 1], [1, 1, 1]]) set(x, y, z, 1);
    set(5, 4, 3, 1);
    set(3, 2, 1, 2);
    set(4, 2, 1, 2);
    set(5, 3, 2, 2);
    const full = keepLargestComponents(labels, size);
    assert.equal(full.filter((v) => v === 1).length, 8);
    assert.equal(full.filter((v) => v === 2).length, 3);
    const faces = keepLargestComponents(labels, size, 6);
    assert.equal(faces.filter((v) => v === 2).length, 2);
    assert.equal(faces[(2 * 5 + 3) * 6 + 5], 0);
    assert.equal(labels.filter((v) => v > 0).length, 12, 'input untouched');
  });

  test('organ volumes are voxels × voxel volume / 1000 mL, every class listed', () => {
    const labels = scanImage().withData(Uint8Array.from(scanImage().data, expectedClass));
    const volumes = organVolumes(labels, CLASS_NAMES);
    const voxelMm3 = 1.5 * 1.25 * 4;
    const organVoxels = 5 * 4 * 3 + 2 * 2 * 1;
    const bodyVoxels = 18 * 14 * 8 - organVoxels;
    assert.deepEqual(volumes, [
      { id: 1, name: 'body', voxels: bodyVoxels, millilitres: (bodyVoxels * voxelMm3) / 1000 },
      { id: 2, name: 'organ', voxels: organVoxels, millilitres: (organVoxels * voxelMm3) / 1000 },
    ]);
    assert.deepEqual(organVolumes(labels, [...CLASS_NAMES, 'absent'])[2], { id: 3, name: 'absent', voxels: 0, millilitres: 0 });
  });

  test('segmentFolder with the (random-weight) network writes label map, report and overlay', async () => {
    const data = join(dir, 'scans');
    mkdirSync(data);
    const scanPath = join(data, 'case_a.nii.gz');
    await saveImage(scanImage(), scanPath);
    const out = join(dir, 'out');
    const [result] = await segmentFolder([data], out, modelPath, { swBatchSize: 1 });
    assert.equal(result.name, 'case_a');
    const labels = await loadImage(join(out, 'case_a_seg.nii.gz'));
    const scan = await loadImage(scanPath);
    assert.deepEqual(labels.shape, scan.shape);
    assert.ok(maxAbsDifference(labels.affine, scan.affine) < 1e-5);
    assert.equal(labels.header?.descrip, 'synthetic LPS scan');
    assert.equal(labels.voxelType, 'uint8');
    assert.ok(labels.data.every((v) => v < 3));
    const report = JSON.parse(readFileSync(join(out, 'case_a_seg.json'), 'utf8'));
    assert.deepEqual(report.classNames, CLASS_NAMES);
    assert.equal(report.model, modelPath);
    assert.equal(report.settings.overlap, 0.5);
    assert.equal(report.settings.blend, 'constant');
    assert.equal(report.settings.swBatchSize, 1);
    assert.equal(report.settings.precision, 'fp32');
    assert.deepEqual(report.settings.window, [32, 32, 32], 'the window used: the recipe crop by default');
    for (const volume of report.volumes) {
      const voxels = labels.data.filter((v) => v === volume.id).length;
      assert.equal(volume.voxels, voxels);
      assert.ok(Math.abs(volume.millilitres - (voxels * 7.5) / 1000) < 1e-9);
    }
    const png = readFileSync(join(out, 'case_a_overlay.png'));
    assert.deepEqual([...png.subarray(1, 4)], [...Buffer.from('PNG')]);

    const mixedOut = join(dir, 'out_bf16');
    await segmentFolder([data], mixedOut, modelPath, { swBatchSize: 1, precision: 'bf16' });
    assert.equal(JSON.parse(readFileSync(join(mixedOut, 'case_a_seg.json'), 'utf8')).settings.precision, 'bf16', 'the report records the precision used');
    const mixedLabels = await loadImage(join(mixedOut, 'case_a_seg.nii.gz'));
    assert.deepEqual(mixedLabels.shape, scan.shape);
    assert.ok(mixedLabels.data.every((v) => v < 3));

    await assert.rejects(segmentFolder([data], out, modelPath), /case_a_seg\.nii\.gz: exists; pass overwrite/);
    await assert.rejects(segmentFolder([scanPath, join(out, 'case_a_seg.nii.gz')], out, modelPath, { overwrite: true }), /would be written over the input/);
  });

  test('NaN voxels are an error naming the scan; so is a pre-training checkpoint as the model', async () => {
    const scan = scanImage('bad_scan.nii.gz');
    const data = Float32Array.from(scan.data);
    data[5] = NaN;
    await assert.rejects(segment(scan.withData(data), modelPath), /bad_scan\.nii\.gz: voxel \(5, 0, 0\) is NaN/);
    const nanPath = join(dir, 'nan_scan.nii');
    await saveImage(scan.withData(data), nanPath);
    await assert.rejects(segmentFolder([nanPath], join(dir, 'nan_out'), modelPath), /nan_scan\.nii: .*NaN/);

    const checkpoint = join(dir, 'checkpoint.safetensors');
    const weight = T.zeros([2]);
    T.saveSafetensors(checkpoint, [['student.x', weight]], { format: 'smit-pretrain-checkpoint/1' });
    weight.dispose();
    await assert.rejects(segment(scanImage(), checkpoint), /checkpoint\.safetensors: a pre-training checkpoint: fine-tune it first/);
    await assert.rejects(segmentCommand.run({ ...parse(['--model', checkpoint, '--input', nanPath, '--out-dir', join(dir, 'x')]) }), (e: Error) => {
      assert.ok(!(e instanceof UsageError));
      return /a pre-training checkpoint/.test(e.message);
    });
  });
});

function parse(argv: string[]) {
  const parsed = parseCommand('segment', segmentCommand.options, argv);
  assert.ok(parsed.values, 'parsed');
  return parsed.values;
}

describe('smit segment options', () => {
  test('usage errors (exit 2) name the option', async () => {
    const bad: [string[], RegExp][] = [
      [['--input', 'x.nii.gz', '--out-dir', 'o'], /--model is required/],
      [['--model', 'm', '--input', 'x', '--out-dir', 'o', '--blend', 'median'], /--blend: expected one of constant, gaussian, got 'median'/],
      [['--model', 'm', '--input', 'x', '--out-dir', 'o', '--overlap', '1'], /--overlap: expected a number in \[0, 1\)/],
      [['--model', 'm', '--input', 'x', '--out-dir', 'o', '--sw-batch-size', '0'], /--sw-batch-size: expected an integer ≥ 1/],
      [['--model', 'm', '--input', 'x', '--out-dir', 'o', '--tta=yes'], /--tta takes no value/],
    ];
    const window = (value: string) => segmentCommand.run({ ...parse(['--model', 'm', '--input', 'x', '--out-dir', 'o', '--window', value]) });
    for (const value of ['96,96', 'big', '96,0,96']) {
      await assert.rejects(window(value), (e: Error) => e instanceof UsageError && e.message.includes(`--window: expected 'crop', 'whole' or three positive integers x,y,z, got '${value}'`));
    }
    for (const [argv, message] of bad) assert.throws(() => parseCommand('segment', segmentCommand.options, argv), (e: Error) => e instanceof UsageError && message.test(e.message));
    const values = parse(['--model', 'm', '--input', 'a.nii.gz,b', '--input', 'c', '--out-dir', 'o']);
    assert.deepEqual(values.input, ['a.nii.gz', 'b', 'c']);
    assert.equal(values.overlap, 0.25, 'the CLI default: half the windows of the official 0.5 at the same Dice');
    assert.equal(values.blend, 'constant');
    assert.equal(values.swBatchSize, 4);
    await assert.rejects(segmentCommand.run(values), (e: Error) => e instanceof UsageError && /--model: m: no such file/.test(e.message));
    assert.match(parseCommand('segment', segmentCommand.options, ['--help']).help ?? '', /--largest-component/);
  });

  test('--device cuda without a GPU is a usage error', { skip: T.cuda.isAvailable() && 'a CUDA device is present' }, async () => {
    const dir = makeTempDir('smit-segment-cli-');
    const model = join(dir, 'm.safetensors');
    T.saveSafetensors(model, [], {});
    await assert.rejects(segmentCommand.run(parse(['--model', model, '--input', dir, '--out-dir', dir, '--device', 'cuda'])), (e: Error) => e instanceof UsageError && /--device cuda/.test(e.message));
    assert.ok(existsSync(model));
  });
});
