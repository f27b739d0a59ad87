// Bad input to every `smit` command, run as a child process: each case must
// fail with the right exit status (2 for usage errors), name the file or
// option at fault on stderr, and leave the output folder exactly as it was.
// To add a case, add a row to CASES; to add a command, add its rows.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { before, describe, test } from 'node:test';
import { Image } from '../../src/data/image.js';
import { writeNifti } from '../../src/data/io/nifti_writer.js';
import { createNiftiHeader, serializeNiftiHeader } from '../../src/data/io/nifti_header.js';
import { writePhantomDataset } from '../../src/data/phantoms/phantom_dataset.js';
import { writeSafetensors } from '../../src/engine/serialization/safetensors.js';
import { writeSyntheticSeries, writeSyntheticSlice } from '../data/helpers/dicom_writer.js';
import { makeTempDir } from '../helpers/temp_dir.js';
import { REPO_ROOT } from '../helpers/env.js';

const CLI = join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');
const env = { ...process.env, SMIT_NO_PROGRESS: '1', SMIT_NUM_THREADS: '1' };
const dir = makeTempDir('smit-bad-cli-');
const fixture = (name: string) => join(dir, 'fixtures', name);

function smit(args: readonly string[]): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env, cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('close', (status) => resolve({ status, stderr }));
  });
}

// ---- fixtures: written once, before the cases run ----

const DATASET = fixture('phantoms/dataset.json');
const TINY = JSON.stringify({ embedDim: 8, heads: [2, 2, 2, 2], headHidden: 32, headBottleneck: 16, outDim: 64, imgSize: [32, 32, 32] });
/** Options that pass validation and would train one tiny step, should a bad input get through. */
const QUICK = ['--config', 'tiny', '--config-overrides', TINY, '--epochs', '1', '--warmup-epochs', '0', '--max-steps', '1', '--batch-size', '1', '--spacing', '8,8,8'];
const CHECKPOINT = fixture('checkpoint.safetensors');
const affine = Float64Array.of(2, 0, 0, -10, 0, 2, 0, -10, 0, 0, 3, 5, 0, 0, 0, 1);

/** A NIfTI-1 file with the given header fields and raw voxel bytes (default: 2×2×2 int16 with an sform). */
function rawNifti(name: string, fields: Partial<ReturnType<typeof createNiftiHeader>>, voxels = new Uint8Array(16)): void {
  const header = { ...createNiftiHeader(), datatype: 4, bitpix: 16, dim: [3, 2, 2, 2, 1, 1, 1, 1], sformCode: 1, srowX: [1, 0, 0, 0], ...fields };
  const { bytes, voxOffset } = serializeNiftiHeader(header);
  const file = new Uint8Array(voxOffset + voxels.length);
  file.set(bytes);
  file.set(voxels, voxOffset);
  writeFileSync(fixture(name), file);
}

/** A pre-training checkpoint in the real layout with tiny tensors (no engine needed to write it). */
function fakeCheckpoint(path: string, options: { format?: string; omit?: string } = {}): void {
  const f32 = (n: number) => ({ dtype: 'float32' as const, shape: [n], bytes: new Uint8Array(new Float32Array(n).fill(0.5).buffer) });
  const names = ['student.transformer.patch_embed.proj.weight', 'teacher.transformer.patch_embed.proj.weight', 'center_cls', 'center_patch', 'rng.torch'];
  const state = { step: 3, dataRng: { state: 1, spareNormal: null }, options: {}, config: { embedDim: 8 }, optimizer: { step: 3 } };
  writeSafetensors(
    path,
    names.filter((n) => n !== options.omit).map((n) => [n, f32(4)]),
    { format: options.format ?? 'smit-pretrain-checkpoint/1', state: JSON.stringify(state) },
  );
}

function flipLastByte(from: string, to: string): void {
  const bytes = readFileSync(from);
  bytes[bytes.length - 1] ^= 0x01;
  writeFileSync(to, bytes);
}

/** A DICOM slice cut just before its pixel data element, as an interrupted copy leaves it. */
function sliceWithoutPixels(folder: string): void {
  writeSyntheticSeries(folder, '1.2.3.9', 3);
  const file = join(folder, readdirSync(folder).sort()[1]);
  const bytes = readFileSync(file);
  writeFileSync(file, bytes.subarray(0, bytes.lastIndexOf(Buffer.from([0xe0, 0x7f, 0x10, 0x00]))));
}

before(async () => {
  mkdirSync(fixture(''), { recursive: true });
  await writePhantomDataset(fixture('phantoms'), 1, 2, { size: [48, 48, 40] });
  fakeCheckpoint(CHECKPOINT);
  fakeCheckpoint(fixture('other-format.safetensors'), { format: 'something-else/1' });
  fakeCheckpoint(fixture('no-centres.safetensors'), { omit: 'center_cls' });
  flipLastByte(CHECKPOINT, fixture('flipped.safetensors'));
  const whole = readFileSync(CHECKPOINT);
  writeFileSync(fixture('truncated.safetensors'), whole.subarray(0, whole.length - 7));
  writeFileSync(fixture('text.safetensors'), 'not a tensor file\n');
  writeFileSync(fixture('huge-header.safetensors'), Buffer.from([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0x7b, 0x7d]));
  // A PyTorch .pt is a zip archive; the local-file-header magic is what matters here.
  writeFileSync(fixture('model.pt'), Buffer.concat([Buffer.from('PK\x03\x04', 'latin1'), Buffer.alloc(60)]));
  mkdirSync(fixture('a-folder.safetensors'));

  const volume = new Image({ data: Float32Array.from({ length: 4096 }, Math.sin), shape: [16, 16, 16], affine });
  await writeNifti(volume, fixture('whole.nii.gz'));
  const gz = readFileSync(fixture('whole.nii.gz'));
  writeFileSync(fixture('truncated.nii.gz'), gz.subarray(0, gz.length >> 1));
  writeFileSync(fixture('corrupt-gzip.nii.gz'), Uint8Array.of(0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0xff, 0xff, 0xff, 0xff, 0xff));
  writeFileSync(fixture('text.nii'), 'this is a text file, not an image\n'.repeat(20));
  writeFileSync(fixture('empty.nii.gz'), gzipSync(Buffer.alloc(0)));
  rawNifti('short.nii', { dim: [3, 8, 8, 8, 1, 1, 1, 1] });
  rawNifti('complex.nii', { datatype: 32, bitpix: 64 });
  rawNifti('four-d.nii', { dim: [4, 2, 2, 2, 2, 1, 1, 1] }, new Uint8Array(32));
  rawNifti('zero-dim.nii', { dim: [3, 2, 0, 2, 1, 1, 1, 1] });
  rawNifti('nan-voxels.nii', { datatype: 16, bitpix: 32 }, new Uint8Array(Float32Array.of(1, NaN, 3, 4, 5, 6, 7, 8).buffer));
  rawNifti('inf-slope.nii', { sclSlope: Infinity });
  rawNifti('nan-inter.nii', { sclSlope: 2, sclInter: NaN });
  rawNifti('zero-pixdim.nii', { sformCode: 0, srowX: [0, 0, 0, 0], srowY: [0, 0, 0, 0], srowZ: [0, 0, 0, 0], pixdim: [1, 1, 0, 1, 1, 1, 1, 1] });
  rawNifti('negative-pixdim.nii', { sformCode: 1, srowX: [0, 0, 0, 0], srowY: [0, 0, 0, 0], srowZ: [0, 0, 0, 0], qformCode: 1, pixdim: [1, -2, 2, 2, 1, 1, 1, 1] });
  rawNifti('nan-pixdim.nii', { sformCode: 0, pixdim: [1, NaN, 1, 1, 1, 1, 1, 1] });
  rawNifti('bad-quaternion.nii', { sformCode: 0, qformCode: 1, quaternB: 0.9, quaternC: 0.9, quaternD: 0.9 });
  const pair = readFileSync(fixture('short.nii'));
  pair.write('ni1\0', 344, 'latin1');
  writeFileSync(fixture('pair.nii'), pair);
  writeFileSync(fixture('image.png'), 'png');

  sliceWithoutPixels(fixture('dicom-no-pixels'));
  writeSyntheticSeries(fixture('dicom-two-series'), '1.2.3.100', 2);
  writeSyntheticSeries(fixture('dicom-two-series'), '1.2.3.200', 2);
  writeSyntheticSeries(fixture('dicom-duplicates'), '1.2.3.300', 2);
  writeSyntheticSeries(fixture('dicom-duplicates'), 'dup', 1, { seriesInstanceUID: '1.2.3.300', instanceNumber: 9 });
  writeSyntheticSeries(fixture('dicom-zero-spacing'), '1.2.3.400', 2, { pixelSpacing: [0, 0.7] });
  writeSyntheticSeries(fixture('dicom-bad-orientation'), '1.2.3.500', 2, { orientation: [1, 0, 0, 1, 0, 0] });
  // Two slices 2.5 mm apart, then one 10 mm further, in the helper's series geometry.
  writeSyntheticSeries(fixture('dicom-gaps'), '1.2.3.600', 2);
  const [c, s] = [Math.cos(Math.PI / 18), Math.sin(Math.PI / 18)];
  writeSyntheticSlice(fixture('dicom-gaps/far.dcm'), {
    seriesInstanceUID: '1.2.3.600', instanceNumber: 7, position: [-97.5, -50, 32.5], orientation: [c, s, 0, -s, c, 0],
    pixelSpacing: [0.8, 0.7], rows: 3, columns: 4, pixels: new Int16Array(12),
  });
  writeSyntheticSeries(fixture('dicom-truncated'), '1.2.3.700', 2);
  const cut = join(fixture('dicom-truncated'), readdirSync(fixture('dicom-truncated'))[0]);
  writeFileSync(cut, readFileSync(cut).subarray(0, 200));
  mkdirSync(fixture('empty-folder'));
  mkdirSync(fixture('texts'));
  writeFileSync(fixture('texts/readme.txt'), 'hello');
  mkdirSync(fixture('dangling'));
  symlinkSync(fixture('nowhere.nii.gz'), fixture('dangling/scan.nii.gz'));

  const json = (name: string, value: unknown) => writeFileSync(fixture(name), typeof value === 'string' ? value : JSON.stringify(value));
  json('broken.json', '{"training": [');
  json('array.json', [{ image: 'a.nii.gz' }]);
  json('wrong-keys.json', { images: ['./phantoms/imagesTr/phantom_000.nii.gz'] });
  json('empty-lists.json', { training: [], test: [] });
  json('no-label.json', { training: [{ image: 'phantoms/imagesTr/phantom_000.nii.gz' }] });
  json('no-image.json', { test: [{ img: 'phantoms/imagesTr/phantom_000.nii.gz' }] });
  json('not-a-list.json', { test: 'phantoms/imagesTr/phantom_000.nii.gz' });
  json('missing-volume.json', { test: ['phantoms/imagesTr/gone.nii.gz'] });
  json('bad-entry.json', { test: [42] });
});


// ---- segmentation fixtures: 8×8×8 scans and label maps, a tiny fine-tuned model ----

const seg = (name: string) => fixture(join('seg', name));
const SEG_DATA = seg('dataset.json');
const SCAN_A = seg('imagesTr/case_a.nii.gz');
const MODEL = seg('model.safetensors');
const SEG_TINY = JSON.stringify({ embedDim: 8, heads: [2, 2, 2, 2], featureSize: 8, imgSize: [32, 32, 32] });
/** Options that pass validation and would fine-tune one tiny step, should a bad input get through. */
const FT_QUICK = [
  '--preset', 'cpu-mri', '--config', 'tiny', '--config-overrides', SEG_TINY, '--epochs', '1', '--warmup-epochs', '0',
  '--max-steps', '1', '--samples', '1', '--spacing', '8,8,8', '--sw-batch-size', '1', '--val-fraction', '0',
];
/** FT_QUICK less the options cv does not take (--max-steps, --val-fraction). */
const CV_QUICK = FT_QUICK.slice(0, FT_QUICK.indexOf('--max-steps')).concat(FT_QUICK.slice(FT_QUICK.indexOf('--samples'), FT_QUICK.indexOf('--val-fraction')));
const grid = Float64Array.of(2, 0, 0, -8, 0, 2, 0, -8, 0, 0, 2, -8, 0, 0, 0, 1);
const shifted = Float64Array.of(2, 0, 0, -4, 0, 2, 0, -8, 0, 0, 2, -8, 0, 0, 0, 1);
/** Classes 0, 1, 2 in bands along x (or `value` in place of class 1). */
const bands = (n: number, value = 1) => Uint8Array.from({ length: n }, (_, i) => (i % 8 < 3 ? 0 : i % 8 < 6 ? value : 2));

async function segNifti(name: string, data: Float32Array | Uint8Array, shape: [number, number, number] = [8, 8, 8], at = grid): Promise<void> {
  mkdirSync(dirname(seg(name)), { recursive: true });
  await writeNifti(new Image({ data, shape, affine: at }), seg(name));
}

/** A dataset JSON in seg/ whose cases are `cases` (id → [image, label] under seg/), with the given "labels" table (null: none). */
function segList(name: string, cases: Record<string, [string, string]>, labels: unknown = { 0: 'background', 1: 'liver', 2: 'spleen' }): string {
  const training = Object.values(cases).map(([image, label]) => ({ image, label }));
  writeFileSync(seg(name), JSON.stringify(labels === null ? { training } : { labels, training }));
  return seg(name);
}

before(async () => {
  const body = () => Float32Array.from({ length: 512 }, (_, i) => 40 + (i % 7));
  for (const id of ['a', 'b', 'c']) {
    await segNifti(`imagesTr/case_${id}.nii.gz`, body());
    await segNifti(`labelsTr/case_${id}.nii.gz`, bands(512));
  }
  const three = { a: ['imagesTr/case_a.nii.gz', 'labelsTr/case_a.nii.gz'], b: ['imagesTr/case_b.nii.gz', 'labelsTr/case_b.nii.gz'], c: ['imagesTr/case_c.nii.gz', 'labelsTr/case_c.nii.gz'] } as Record<string, [string, string]>;
  segList('dataset.json', three);
  segList('no-labels.json', three, null);
  segList('gap-ids.json', three, { 0: 'background', 2: 'liver', 3: 'spleen' });
  segList('labels-not-table.json', three, 'liver');
  await segNifti('labelsTr/short_a.nii.gz', bands(384), [6, 8, 8]);
  segList('off-grid.json', { ...three, a: ['imagesTr/case_a.nii.gz', 'labelsTr/short_a.nii.gz'] });
  await segNifti('labelsTr/shifted_a.nii.gz', bands(512), [8, 8, 8], shifted);
  segList('shifted-grid.json', { ...three, a: ['imagesTr/case_a.nii.gz', 'labelsTr/shifted_a.nii.gz'] });
  await segNifti('labelsTr/seven_a.nii.gz', bands(512, 7));
  segList('outside-classes.json', { ...three, a: ['imagesTr/case_a.nii.gz', 'labelsTr/seven_a.nii.gz'] });
  await segNifti('labelsTr/half_a.nii.gz', Float32Array.from(bands(512), (v) => v / 2));
  segList('fractional-labels.json', { ...three, a: ['imagesTr/case_a.nii.gz', 'labelsTr/half_a.nii.gz'] });
  const nan = body();
  nan[77] = NaN;
  await segNifti('imagesTr/nan_a.nii.gz', nan);
  segList('nan-scan.json', { ...three, a: ['imagesTr/nan_a.nii.gz', 'labelsTr/case_a.nii.gz'] });
  segList('missing-scan.json', { ...three, a: ['imagesTr/gone_a.nii.gz', 'labelsTr/case_a.nii.gz'] });

  // evaluate: predictions and references
  for (const [name, data, shape] of [
    ['refs/case_a.nii.gz', bands(512), [8, 8, 8]],
    ['refs2/case_a.nii.gz', bands(512), [8, 8, 8]],
    ['refs2/case_b.nii.gz', bands(512), [8, 8, 8]],
    ['preds/case_a_seg.nii.gz', bands(512), [8, 8, 8]],
    ['preds-short/case_a.nii.gz', bands(384), [6, 8, 8]],
    ['preds-half/case_a.nii.gz', Float32Array.from(bands(512), (v) => v / 2), [8, 8, 8]],
  ] as const) await segNifti(name, data, shape as [number, number, number]);
  await segNifti('preds-shifted/case_a.nii.gz', bands(512), [8, 8, 8], shifted);
  mkdirSync(seg('empty'));
  writeFileSync(seg('refs-list.json'), JSON.stringify({ labels: { 0: 'background', 1: 'liver', 2: 'spleen' }, test: [], training: [{ image: 'imagesTr/case_b.nii.gz', label: 'labelsTr/case_b.nii.gz' }] }));

  // models: a real tiny segmenter, a corrupt copy, an encoder export
  const { SmitSegmenter, smitConfig } = await import('../../src/models/index.js');
  const { saveSegmenter } = await import('../../src/seg/model_file.js');
  const { CT_WINDOW } = await import('../../src/data/index.js');
  const config = smitConfig('tiny', { ...JSON.parse(SEG_TINY), classes: 3 });
  const model = new SmitSegmenter(config);
  const recipe = { spacing: [8, 8, 8] as [number, number, number], intensity: { kind: 'window' as const, window: CT_WINDOW }, crop: [32, 32, 32] as [number, number, number] };
  saveSegmenter(MODEL, model, { config, recipe, classNames: ['background', 'liver', 'spleen'], step: 1, validationDice: Number.NaN });
  model.dispose();
  flipLastByte(MODEL, seg('flipped-model.safetensors'));
  writeSafetensors(seg('encoder-export.safetensors'), [['transformer.patch_embed.proj.weight', { dtype: 'float32', shape: [1], bytes: new Uint8Array(4) }]], { format: 'smit-model/1' });
});

// ---- output-folder states ----

type Setup = (out: string) => void;
/** The folder does not exist and must not be created. */
const absent: Setup = () => {};
const notes: Setup = (out) => {
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'notes.txt'), 'keep me\n');
};
const run: Setup = (out) => {
  notes(out);
  writeFileSync(join(out, 'checkpoint.safetensors'), readFileSync(CHECKPOINT));
  writeFileSync(join(out, 'metrics.jsonl'), '{"step":1,"loss":1}\n{"step":2,"loss":0.9}\n');
};
const metricsOnly: Setup = (out) => {
  notes(out);
  writeFileSync(join(out, 'metrics.jsonl'), '{"step":1,"loss":1}\n');
};
const corruptRun: Setup = (out) => {
  run(out);
  flipLastByte(CHECKPOINT, join(out, 'checkpoint.safetensors'));
};
const demoFolder: Setup = (out) => {
  notes(join(out, 'data'));
  writeFileSync(join(out, 'data', 'dataset.json'), '{"training": []}');
};

/** A fine-tuning run folder (the checkpoint is a pre-training one: only its presence matters to the refusals). */
const ftRun: Setup = (out) => {
  run(out);
  writeFileSync(join(out, 'plans.json'), '{"options": "older run"}\n');
  // The split FT_QUICK draws (all three cases, none held out), byte for byte as a run writes it.
  writeFileSync(join(out, 'splits.json'), `${JSON.stringify({ train: ['case_a', 'case_b', 'case_c'], val: [] }, null, 2)}\n`);
};
const ftSplitsOnly: Setup = (out) => {
  notes(out);
  writeFileSync(join(out, 'splits.json'), '{"train": ["case_a"], "val": []}\n');
};
const ftCorruptRun: Setup = (out) => {
  ftRun(out);
  flipLastByte(CHECKPOINT, join(out, 'checkpoint.safetensors'));
};
/** A run folder whose plans.json is (a copy of) the dataset list given as --data. */
const ftRunWithList: Setup = (out) => {
  ftRun(out);
  const list = JSON.parse(readFileSync(SEG_DATA, 'utf8'));
  for (const e of list.training) Object.assign(e, { image: seg(e.image), label: seg(e.label) });
  writeFileSync(join(out, 'plans.json'), JSON.stringify(list));
};
const cvSplits: Setup = (out) => {
  notes(out);
  writeFileSync(join(out, 'splits.json'), JSON.stringify([{ fold: 0, train: ['case_a', 'ghost'], val: ['case_c'] }, { fold: 1, train: ['case_c'], val: ['case_a'] }]));
};
const evalOutputs: Setup = (out) => {
  notes(out);
  writeFileSync(join(out, 'summary.json'), '{"older": true}\n');
};
/** The references dataset JSON lies in --out-dir under the name of an output. */
const evalListAsOutput: Setup = (out) => {
  notes(out);
  writeFileSync(join(out, 'summary.json'), JSON.stringify({ labels: { 0: 'background', 1: 'liver' }, training: [{ image: SCAN_A, label: seg('refs/case_a.nii.gz') }] }));
};
const segOutputs: Setup = (out) => {
  notes(out);
  writeFileSync(join(out, 'case_a_seg.nii.gz'), 'older labels');
};
const segInputsInOut: Setup = (out) => {
  notes(out);
  writeFileSync(join(out, 'scan.nii.gz'), readFileSync(SCAN_A));
  writeFileSync(join(out, 'scan_seg.nii.gz'), readFileSync(SCAN_A));
};
const segModelInOut: Setup = (out) => {
  notes(out);
  writeFileSync(join(out, 'case_a_seg.json'), readFileSync(MODEL));
};

interface Case {
  name: string;
  /** Arguments after `smit`; `out` is this case's output folder (export-encoder writes into it). */
  args: (out: string) => string[];
  setup: Setup;
  status: 1 | 2;
  /** What stderr must contain: strings (the file or option named) and patterns (the problem). */
  says: (out: string) => (string | RegExp)[];
  /** A known bug in src/: the case runs as a todo (reported, not failing) until it is fixed. */
  bug?: string;
}

const pretrain = (extra: string[], status: 1 | 2, says: (string | RegExp)[], setup: Setup = run) => ({
  args: (out: string) => ['pretrain', '--data', DATASET, '--out-dir', out, ...extra],
  setup,
  status,
  says: () => says,
});
const option = (flag: string, value: string, problem: RegExp) => pretrain([flag, value], 2, [flag.split('=')[0], problem]);
const volume = (data: string, problem: RegExp, named = data): Omit<Case, 'name'> => ({
  args: (out) => ['pretrain', '--data', data, '--out-dir', out, ...QUICK],
  setup: absent,
  status: 1,
  says: () => [named, problem],
});
const encoder = (checkpoint: string, problem: RegExp, status: 1 | 2 = 1): Omit<Case, 'name'> => ({
  args: (out) => ['export-encoder', '--checkpoint', checkpoint, '--out', join(out, 'encoder.safetensors')],
  setup: notes,
  status,
  says: () => [checkpoint, problem],
});

type Says = (string | RegExp)[];
const finetune = (extra: string[], status: 1 | 2, says: Says | ((out: string) => Says), setup: Setup = absent, data = SEG_DATA): Omit<Case, 'name'> => ({
  args: (out) => ['finetune', '--data', data, '--out-dir', out, ...FT_QUICK, ...extra],
  setup,
  status,
  says: typeof says === 'function' ? says : () => says,
});
/** A bad option value: refused before anything is read, the run folder untouched. */
const ftOption = (flag: string, value: string, problem: RegExp): Omit<Case, 'name'> => ({
  args: (out) => ['finetune', '--data', SEG_DATA, '--out-dir', out, ...(value === '' ? [flag] : [flag, value])],
  setup: ftRun,
  status: 2,
  says: () => [flag.split('=')[0], problem],
});
/** A bad dataset: refused while the cases are read, before any file of the run is written. */
const ftData = (data: string, problem: RegExp, ...named: string[]): Omit<Case, 'name'> => finetune([], 1, [...(named.length ? named : [data]), problem], absent, data);
const cv = (extra: string[], status: 1 | 2, says: Says, setup: Setup = absent, data = SEG_DATA): Omit<Case, 'name'> => ({
  args: (out) => ['cv', '--data', data, '--out-dir', out, ...CV_QUICK, ...extra],
  setup,
  status,
  says: () => says,
});
const segment = (extra: (out: string) => string[], status: 1 | 2, says: (out: string) => Says, setup: Setup = notes): Omit<Case, 'name'> => ({
  args: (out) => ['segment', '--out-dir', out, ...extra(out)],
  setup,
  status,
  says,
});
const segOption = (flag: string, value: string, problem: RegExp) =>
  segment(() => ['--model', MODEL, '--input', SCAN_A, ...(value === '' ? [flag] : [flag, value])], 2, () => [flag.split('=')[0], problem]);
const evaluate = (predictions: string, references: string, status: 1 | 2, says: Says, extra: string[] = [], setup: Setup = absent): Omit<Case, 'name'> => ({
  args: (out) => ['evaluate', '--predictions', predictions, '--references', references, '--out-dir', out, ...extra],
  setup,
  status,
  says: () => says,
});

const CASES: Record<string, Omit<Case, 'name'>> = {
  // options: pretrain
  '--max-steps abc': option('--max-steps', 'abc', /expected an integer ≥ 1, got 'abc'/),
  '--max-steps=-1': pretrain(['--max-steps=-1'], 2, ['--max-steps', /got '-1'/]),
  '--max-steps 0': option('--max-steps', '0', /expected an integer ≥ 1, got '0'/),
  '--max-steps 1.5': option('--max-steps', '1.5', /expected an integer/),
  '--steps-per-epoch 0': option('--steps-per-epoch', '0', /expected an integer ≥ 1/),
  '--steps-per-epoch abc': option('--steps-per-epoch', 'abc', /got 'abc'/),
  '--spacing=-2,-2,-2': pretrain(['--spacing=-2,-2,-2'], 2, ['--spacing', /expected 3 numbers > 0, comma-separated, got '-2,-2,-2'/]),
  '--spacing -2,-2,-2 (separate)': option('--spacing', '-2,-2,-2', /expected 3 numbers > 0/),
  '--spacing 2,2': option('--spacing', '2,2', /expected 3 numbers/),
  '--spacing 2,x,2': option('--spacing', '2,x,2', /got '2,x,2'/),
  '--clip-grad=-1': pretrain(['--clip-grad=-1'], 2, ['--clip-grad', /expected a number ≥ 0, got '-1'/]),
  '--momentum-teacher 5': option('--momentum-teacher', '5', /expected a number in \[0, 1\], got '5'/),
  '--warmup-epochs=-3': pretrain(['--warmup-epochs=-3'], 2, ['--warmup-epochs', /expected an integer ≥ 0, got '-3'/]),
  '--min-lr=-1': pretrain(['--min-lr=-1'], 2, ['--min-lr', /expected a number ≥ 0/]),
  '--lr-per-volume 0': option('--lr-per-volume', '0', /expected a number > 0/),
  '--mask-ratio 1': option('--mask-ratio', '1', /expected a number in \(0, 1\)/),
  '--modality xray': option('--modality', 'xray', /expected one of ct, mri, auto, got 'xray'/),
  '--config huge': option('--config', 'huge', /expected one of small, tiny/),
  '--batch-size 0': option('--batch-size', '0', /expected an integer ≥ 1/),
  '--epochs many': option('--epochs', 'many', /got 'many'/),
  '--epochs 1e400': option('--epochs', '1e400', /expected an integer ≥ 1/),
  '--seed -1': option('--seed', '-1', /expected an integer in \[0, 4294967295\]/),
  '--weight-decay-exempt all': option('--weight-decay-exempt', 'all', /one of none, biases-and-norms/),
  '--region smaller than the crop': pretrain([...QUICK, '--region', '16,16,16'], 2, ['--region', /smaller than the crop 32×32×32/]),
  '--mask-block not dividing the crop': pretrain([...QUICK, '--mask-block', '12'], 2, ['--mask-block', /does not divide the crop/]),
  '--warmup-epochs beyond --epochs': pretrain(['--epochs', '5', '--warmup-epochs', '6'], 2, ['--warmup-epochs', /exceeds --epochs 5/]),
  '--config-overrides not JSON': option('--config-overrides', '{imgSize: 1}', /expected a JSON object, got '\{imgSize: 1\}'/),
  '--config-overrides array': option('--config-overrides', '[1]', /expected a JSON object/),
  '--config-overrides imgSize length': option('--config-overrides', '{"imgSize":[96,96]}', /'imgSize': expected 3 integers ≥ 1, got \[96,96\]/),
  '--config-overrides embedDim string': option('--config-overrides', '{"embedDim":"8"}', /'embedDim': expected an integer ≥ 1, got "8"/),
  '--config-overrides maskToken number': option('--config-overrides', '{"maskToken":1}', /'maskToken': expected true or false/),
  '--config-overrides unknown key': option('--config-overrides', '{"imgsize":[96,96,96]}', /unknown key 'imgsize' \(known: .*imgSize/),
  '--config-overrides depths count': option('--config-overrides', '{"depths":[2,2,2]}', /'depths': expected 4 integers/),
  '--config-overrides dropPathRate 1': option('--config-overrides', '{"dropPathRate":1}', /expected a number in \[0, 1\)/),
  '--config-overrides heads not dividing': option('--config-overrides', '{"heads":[5,4,4,4]}', /5 heads do not divide/),
  '--config-overrides imgSize stride': option('--config-overrides', '{"imgSize":[90,96,96]}', /must be a multiple of 32/),
  'unknown option': pretrain(['--learning-rate', '3'], 2, ["unknown option '--learning-rate'", '--lr-per-volume']),
  'stray argument': pretrain(['extra'], 2, ["unexpected argument 'extra'"]),
  'option given twice': pretrain(['--epochs', '3', '--epochs', '4'], 2, ['--epochs', /more than once/]),
  'flag with a value': pretrain(['--resume=yes'], 2, ['--resume', /takes no value/]),
  'option without its value': pretrain(['--cache-dir', '--resume'], 2, ['--cache-dir', /missing value/]),
  'option at the end without value': pretrain(['--max-steps'], 2, ['--max-steps', /missing value/]),
  'no --data': { args: (out) => ['pretrain', '--out-dir', out], setup: run, status: 2, says: () => ['--data is required'] },
  'empty --data': { args: (out) => ['pretrain', '--data=', '--out-dir', out], setup: run, status: 2, says: () => ['--data is required'] },
  // options: export-encoder and demo
  'export-encoder without --checkpoint': { args: (out) => ['export-encoder', '--out', join(out, 'e.safetensors')], setup: notes, status: 2, says: () => ['--checkpoint is required'] },
  'export-encoder without --out': { args: () => ['export-encoder', '--checkpoint', CHECKPOINT], setup: absent, status: 2, says: () => ['--out is required'] },
  'export-encoder --from both': {
    args: (out) => ['export-encoder', '--checkpoint', CHECKPOINT, '--out', join(out, 'e.safetensors'), '--from', 'both'],
    setup: notes,
    status: 2,
    says: () => ['--from', /expected one of teacher, student, got 'both'/],
  },
  'export-encoder unknown option': { args: () => ['export-encoder', '--chekpoint', CHECKPOINT], setup: absent, status: 2, says: () => ["unknown option '--chekpoint'"] },
  'demo --train-volumes 1': { args: (out) => ['demo', '--out-dir', out, '--train-volumes', '1'], setup: absent, status: 2, says: () => ['--train-volumes', /expected an integer in \[2, 1000\]/] },
  'demo --pretrain-steps abc': { args: (out) => ['demo', '--out-dir', out, '--pretrain-steps', 'abc'], setup: absent, status: 2, says: () => ['--pretrain-steps', /got 'abc'/] },
  'demo --seed -1': { args: (out) => ['demo', '--out-dir', out, '--seed=-1'], setup: absent, status: 2, says: () => ['--seed'] },
  'demo unknown option': { args: (out) => ['demo', '--out-dir', out, '--config', 'small'], setup: absent, status: 2, says: () => ["unknown option '--config'"] },
  'unknown command': { args: () => ['pretrian'], setup: absent, status: 2, says: () => ["unknown command 'pretrian'"] },

  // run-folder states
  'pretrain into a folder holding a run': { ...pretrain(QUICK, 2, []), says: (out) => [out, /already holds a run .*pass --resume .* or --overwrite/] },
  'pretrain into a folder holding metrics only': { ...pretrain(QUICK, 2, [], metricsOnly), says: (out) => [out, /already holds a run \(metrics\.jsonl\)/] },
  '--resume without a checkpoint': { ...pretrain([...QUICK, '--resume'], 2, [], notes), says: (out) => [join(out, 'checkpoint.safetensors'), /--resume: no checkpoint/] },
  '--resume with --overwrite': pretrain([...QUICK, '--resume', '--overwrite'], 2, [/--resume and --overwrite exclude each other/]),
  '--resume from a corrupt checkpoint': {
    ...pretrain([...QUICK, '--resume'], 1, [/checksum mismatch: the file is corrupt or was modified/], corruptRun),
    says: (out) => [join(out, 'checkpoint.safetensors'), /checksum mismatch/],
  },
  '--overwrite, then a bad volume: the old run is restored': {
    args: (out) => ['pretrain', '--data', fixture('text.nii'), '--out-dir', out, ...QUICK, '--overwrite'],
    setup: run,
    status: 1,
    says: () => [fixture('text.nii'), /not a NIfTI file/],
  },
  'pretrain --data inside the run it would overwrite': {
    args: (out) => ['pretrain', '--data', join(out, 'metrics.jsonl'), '--out-dir', out, ...QUICK, '--overwrite'],
    setup: run,
    status: 2,
    says: (out) => [join(out, 'metrics.jsonl'), /would write .* over the input --data/],
  },
  'export-encoder --out is --checkpoint': {
    args: (out) => ['export-encoder', '--checkpoint', join(out, 'checkpoint.safetensors'), '--out', join(out, 'checkpoint.safetensors'), '--overwrite'],
    setup: run,
    status: 2,
    says: () => ['--out', /over the input --checkpoint/],
  },
  'export-encoder --out is --checkpoint by another name': {
    args: (out) => ['export-encoder', '--checkpoint', join(out, 'checkpoint.safetensors'), '--out', join(relative(dir, out), '.', 'checkpoint.safetensors'), '--overwrite'],
    setup: run,
    status: 2,
    says: () => [/over the input --checkpoint/],
  },
  'export-encoder --out is a link to --checkpoint': {
    args: (out) => ['export-encoder', '--checkpoint', join(out, 'checkpoint.safetensors'), '--out', join(out, 'link.safetensors'), '--overwrite'],
    setup: (out) => {
      run(out);
      symlinkSync(join(out, 'checkpoint.safetensors'), join(out, 'link.safetensors'));
    },
    status: 2,
    says: (out) => [join(out, 'link.safetensors'), /over the input --checkpoint/],
  },
  'export-encoder onto an existing file': {
    args: (out) => ['export-encoder', '--checkpoint', CHECKPOINT, '--out', join(out, 'notes.safetensors')],
    setup: (out) => {
      notes(out);
      writeFileSync(join(out, 'notes.safetensors'), 'older export');
    },
    status: 2,
    says: (out) => [join(out, 'notes.safetensors'), /exists; pass --overwrite/],
  },
  'export-encoder into a missing folder': {
    args: (out) => ['export-encoder', '--checkpoint', CHECKPOINT, '--out', join(out, 'sub', 'e.safetensors')],
    setup: absent,
    status: 2,
    says: () => ['--out', /does not exist/],
  },
  'export-encoder --out not .safetensors': {
    args: (out) => ['export-encoder', '--checkpoint', CHECKPOINT, '--out', join(out, 'encoder.pt')],
    setup: notes,
    status: 2,
    says: () => ['--out', /ending in \.safetensors/],
  },
  'demo into a folder holding a demo': { args: (out) => ['demo', '--out-dir', out, '--pretrain-steps', '1'], setup: demoFolder, status: 2, says: (out) => [out, /already holds a demo: pass --overwrite/] },
  'demo into a folder holding a run': {
    args: (out) => ['demo', '--out-dir', out, '--pretrain-steps', '1'],
    setup: (out) => run(join(out, 'pretrain')),
    status: 2,
    says: (out) => [out, /already holds a demo: pass --overwrite/],
  },

  // checkpoints (.safetensors, .pt) given to export-encoder
  'checkpoint missing': encoder(fixture('gone.safetensors'), /no such file/),
  'checkpoint with a flipped byte': encoder(fixture('flipped.safetensors'), /checksum mismatch: the file is corrupt or was modified/),
  'checkpoint truncated': encoder(fixture('truncated.safetensors'), /out of range .*truncated file\?/),
  'checkpoint is text': encoder(fixture('text.safetensors'), /invalid safetensors file/),
  'checkpoint header length beyond the file': encoder(fixture('huge-header.safetensors'), /exceeds the .* bytes after the length field/),
  'checkpoint is a PyTorch .pt': encoder(fixture('model.pt'), /zip archive \(a PyTorch \.pt checkpoint\?\), not safetensors/),
  'checkpoint of another format': encoder(fixture('other-format.safetensors'), /not a smit pre-training checkpoint \(format 'something-else\/1'\)/),
  'checkpoint without centres': encoder(fixture('no-centres.safetensors'), /checkpoint lacks 'center_cls'/),
  'checkpoint is a folder': encoder(fixture('a-folder.safetensors'), /--checkpoint: .*: not a file/),

  // volumes given to pretrain
  'volume missing': volume(fixture('gone.nii.gz'), /no such file or folder/),
  'NIfTI gzip truncated': volume(fixture('truncated.nii.gz'), /truncated gzip data/),
  'NIfTI gzip corrupt': volume(fixture('corrupt-gzip.nii.gz'), /corrupt gzip data/),
  'NIfTI gzip of nothing': volume(fixture('empty.nii.gz'), /not a NIfTI file: only 0 bytes/),
  'NIfTI shorter than its voxels': volume(fixture('short.nii'), /truncated: voxel data needs bytes/),
  'NIfTI that is text': volume(fixture('text.nii'), /not a NIfTI file: sizeof_hdr/),
  'NIfTI .hdr/.img pair header': volume(fixture('pair.nii'), /\.hdr\/\.img pair/),
  'NIfTI complex datatype': volume(fixture('complex.nii'), /unsupported NIfTI datatype 32/),
  'NIfTI 4-D': volume(fixture('four-d.nii'), /has 2 timepoints/),
  'NIfTI zero dimension': volume(fixture('zero-dim.nii'), /invalid dim\[2\] = 0/),
  'NIfTI NaN voxels': volume(fixture('nan-voxels.nii'), /1 of 8 voxels are NaN or infinite/),
  'NIfTI infinite scl_slope': volume(fixture('inf-slope.nii'), /invalid scl_slope Infinity/),
  'NIfTI NaN scl_inter': volume(fixture('nan-inter.nii'), /invalid scl_inter NaN beside scl_slope 2/),
  'NIfTI zero pixdim (no sform, no qform)': volume(fixture('zero-pixdim.nii'), /pixdim\[2\] = 0 must be a positive finite number/),
  'NIfTI negative pixdim (zero sform, qform)': volume(fixture('negative-pixdim.nii'), /pixdim\[1\] = -2 must be a positive/),
  'NIfTI NaN pixdim': volume(fixture('nan-pixdim.nii'), /pixdim\[1\] = NaN/),
  'NIfTI quaternion above unit norm': volume(fixture('bad-quaternion.nii'), /quaternion .* has norm above 1/),
  'unsupported file type': volume(fixture('image.png'), /unsupported file type/),
  '.pt given as a volume': volume(fixture('model.pt'), /unsupported file type/),
  'DICOM slice without pixel data': volume(fixture('dicom-no-pixels'), /image slice without pixel data/, join(fixture('dicom-no-pixels'), '1.2.3.9-002.dcm')),
  'DICOM folder with two series': volume(fixture('dicom-two-series'), /holds 2 DICOM series/),
  'DICOM slices at one position': volume(fixture('dicom-duplicates'), /lie at the same position/),
  'DICOM zero PixelSpacing': volume(fixture('dicom-zero-spacing'), /PixelSpacing \(0028,0030\) 0\\0\.7 must be positive/, '1.2.3.400-00'),
  'DICOM orientation not orthogonal': volume(fixture('dicom-bad-orientation'), /is not two orthogonal unit vectors/, '1.2.3.500-00'),
  'DICOM uneven slice gaps': volume(fixture('dicom-gaps'), /slice gaps are not uniform/),
  'DICOM file truncated': volume(fixture('dicom-truncated'), /cannot parse DICOM|pixel data has|missing or invalid/, '1.2.3.700-00'),
  'empty folder': volume(fixture('empty-folder'), /contains no \.nii\/\.nii\.gz volumes/),
  'folder without volumes': volume(fixture('texts'), /contains no \.nii\/\.nii\.gz volumes/),
  'folder with a dangling link': volume(fixture('dangling'), /broken symbolic link/, fixture('dangling/scan.nii.gz')),

  // dataset lists
  'dataset list missing': volume(fixture('gone.json'), /no such file or folder/),
  'dataset list not JSON': volume(fixture('broken.json'), /not a valid JSON datalist/),
  'dataset list is an array': volume(fixture('array.json'), /must be a JSON object/),
  'dataset list with wrong keys': volume(fixture('wrong-keys.json'), /has no "training", "validation" or "test" list \(its keys: images\)/),
  'dataset list with empty lists': volume(fixture('empty-lists.json'), /no volumes found/),
  'dataset list without labels for training': volume(fixture('no-label.json'), /"training"\[0\] has no "label" path/),
  'dataset list entry without image': volume(fixture('no-image.json'), /"test"\[0\] has no "image" path/),
  'dataset list whose list is a string': volume(fixture('not-a-list.json'), /"test" must be a list/),
  'dataset list entry that is a number': volume(fixture('bad-entry.json'), /"test"\[0\] must be an object/),
  'dataset list naming a missing volume': volume(fixture('missing-volume.json'), /no such file or folder/, fixture('phantoms/imagesTr/gone.nii.gz')),

  // options: finetune (refused while parsing: the run folder there is untouched)
  'finetune --preset fast': ftOption('--preset', 'fast', /expected one of published, cpu-mri, got 'fast'/),
  'finetune --modality pet': ftOption('--modality', 'pet', /expected one of ct, mri, got 'pet'/),
  'finetune --mri-intensity minmax': ftOption('--mri-intensity', 'minmax', /expected one of zscore, percentile/),
  'finetune --config huge': ftOption('--config', 'huge', /expected one of small, tiny/),
  'finetune --config-overrides not JSON': ftOption('--config-overrides', '{classes: 3}', /expected a JSON object/),
  'finetune --config-overrides classes 1': ftOption('--config-overrides', '{"classes":1}', /'classes': expected an integer ≥ 2/),
  'finetune --config-overrides unknown key': ftOption('--config-overrides', '{"numClasses":3}', /unknown key 'numClasses'/),
  'finetune --config-overrides featureSize ≠ embedDim': {
    ...finetune(['--config-overrides', '{"embedDim":8,"heads":[2,2,2,2],"featureSize":4,"imgSize":[32,32,32]}'], 2, ['--config-overrides', /featureSize/]),
    args: (out) => ['finetune', '--data', SEG_DATA, '--out-dir', out, ...FT_QUICK.filter((a) => a !== SEG_TINY && a !== '--config-overrides'), '--config-overrides', '{"embedDim":8,"heads":[2,2,2,2],"featureSize":4,"imgSize":[32,32,32]}'],
  },
  'finetune --config-overrides imgSize stride': ftOption('--config-overrides', '{"imgSize":[40,32,32]}', /must be a multiple of 32/),
  'finetune --spacing 0,1,1': ftOption('--spacing', '0,1,1', /expected 3 numbers > 0/),
  'finetune --spacing 1,1': ftOption('--spacing', '1,1', /expected 3 numbers/),
  'finetune --freeze-encoder-steps=-1': ftOption('--freeze-encoder-steps=-1', '', /expected an integer ≥ 0, got '-1'/),
  'finetune --val-fraction 1': ftOption('--val-fraction', '1', /expected a number in \[0, 1\), got '1'/),
  'finetune --val-fraction half': ftOption('--val-fraction', 'half', /got 'half'/),
  'finetune --epochs 0': ftOption('--epochs', '0', /expected an integer ≥ 1, got '0'/),
  'finetune --warmup-epochs 1.5': ftOption('--warmup-epochs', '1.5', /expected an integer ≥ 0/),
  'finetune --warmup-epochs beyond --epochs': { ...ftOption('--warmup-epochs', '3', /--warmup-epochs 3 exceeds --epochs 2/), args: (out) => ['finetune', '--data', SEG_DATA, '--out-dir', out, '--epochs', '2', '--warmup-epochs', '3'] },
  'finetune --lr 0': ftOption('--lr', '0', /expected a number > 0, got '0'/),
  'finetune --lr NaN': ftOption('--lr', 'NaN', /expected a number > 0, got 'NaN'/),
  'finetune --weight-decay=-1': ftOption('--weight-decay=-1', '', /expected a number ≥ 0, got '-1'/),
  'finetune --samples 0': ftOption('--samples', '0', /expected an integer ≥ 1/),
  'finetune --positive=-1': ftOption('--positive=-1', '', /expected a number ≥ 0/),
  'finetune --negative x': ftOption('--negative', 'x', /got 'x'/),
  'finetune --positive 0 --negative 0': { ...ftOption('--positive', '0', /--positive and --negative are both 0/), args: (out) => ['finetune', '--data', SEG_DATA, '--out-dir', out, '--positive', '0', '--negative', '0'] },
  'finetune --rotate-prob 2': ftOption('--rotate-prob', '2', /expected a number in \[0, 1\], got '2'/),
  'finetune --flip-prob=-0.1': ftOption('--flip-prob=-0.1', '', /expected a number in \[0, 1\]/),
  'finetune --scale-intensity-prob 1.5': ftOption('--scale-intensity-prob', '1.5', /expected a number in \[0, 1\]/),
  'finetune --shift-intensity-prob many': ftOption('--shift-intensity-prob', 'many', /got 'many'/),
  'finetune --lambda-dice=-1': ftOption('--lambda-dice=-1', '', /expected a number ≥ 0/),
  'finetune --lambda-ce Infinity': ftOption('--lambda-ce', 'Infinity', /--lambda-ce|finite/),
  'finetune --validate-every 0': ftOption('--validate-every', '0', /expected an integer ≥ 1/),
  'finetune --overlap 1': ftOption('--overlap', '1', /expected a number in \[0, 1\), got '1'/),
  'finetune --blend linear': ftOption('--blend', 'linear', /expected one of constant, gaussian, got 'linear'/),
  'finetune --sw-batch-size 0': ftOption('--sw-batch-size', '0', /expected an integer ≥ 1/),
  'finetune --checkpoint-every 0': ftOption('--checkpoint-every', '0', /expected an integer ≥ 1/),
  'finetune --seed 4294967296': ftOption('--seed', '4294967296', /expected an integer in \[0, 4294967295\]/),
  'finetune --max-steps 0': ftOption('--max-steps', '0', /expected an integer ≥ 1, got '0'/),
  'finetune unknown option': ftOption('--learning-rate', '1e-3', /unknown option '--learning-rate'/),
  'finetune flag with a value': ftOption('--resume=yes', '', /takes no value/),
  'finetune without --data': { args: (out) => ['finetune', '--out-dir', out], setup: ftRun, status: 2, says: () => ['--data is required'] },

  // data given to finetune: refused while the cases are read, no run folder created
  'finetune --data missing': finetune([], 2, ['--data', seg('gone.json'), /no such file/], absent, seg('gone.json')),
  'finetune --data not JSON': ftData(fixture('broken.json'), /not a valid JSON datalist/),
  'finetune --data a folder of scans': finetune([], 2, ['--data', seg('imagesTr'), /is a folder, not a file/], absent, seg('imagesTr')),
  'finetune --data without a "labels" table': ftData(seg('no-labels.json'), /no "labels" table \(class id → name\)/),
  'finetune --data "labels" not a table': ftData(seg('labels-not-table.json'), /"labels" must map class ids to names/),
  'finetune --data class ids not 0..K−1': ftData(seg('gap-ids.json'), /class ids must run 0, 1, …, 2; found 0, 2, 3/),
  'finetune --data without labels for training': ftData(fixture('no-label.json'), /"training"\[0\] has no "label" path/),
  'finetune label map on another grid (shape)': ftData(seg('off-grid.json'), /grid does not match .*shape 8×8×6 vs 8×8×8/, seg('labelsTr/short_a.nii.gz'), SCAN_A),
  'finetune label map on another grid (affine)': ftData(seg('shifted-grid.json'), /grid does not match .*affines differ by up to 4/, seg('labelsTr/shifted_a.nii.gz'), SCAN_A),
  'finetune label values outside the class table': ftData(seg('outside-classes.json'), /label values 7 \(\d+ voxels\) are not in the class list \[0, 1, 2\]/, seg('labelsTr/seven_a.nii.gz')),
  'finetune label values not whole': ftData(seg('fractional-labels.json'), /label values must be whole numbers/, seg('labelsTr/half_a.nii.gz')),
  'finetune NaN voxel in a scan': ftData(seg('nan-scan.json'), /1 of 512 voxels are NaN or infinite/, seg('imagesTr/nan_a.nii.gz')),
  'finetune scan missing': ftData(seg('missing-scan.json'), /no such file/, seg('imagesTr/gone_a.nii.gz')),
  'finetune --val-cases unknown': finetune(['--val-cases', 'case_z'], 2, ['--val-cases', /no case 'case_z' in .*dataset\.json \(cases: case_a, case_b, case_c\)/]),
  'finetune --train-cases unknown': finetune(['--train-cases', 'case_a,ghost'], 2, ['--train-cases', /no case 'ghost'/]),
  'finetune case in both training and validation': finetune(['--train-cases', 'case_a,case_b', '--val-cases', 'case_b'], 1, [/cases case_b are in both the training and the validation set/]),
  'finetune every case held out': finetune(['--val-cases', 'case_a,case_b,case_c'], 1, [SEG_DATA, /no training cases left/]),
  'finetune --data given twice': {
    ...finetune(['--data', fixture('broken.json')], 2, [/--data is given more than once/]),
  },
  'finetune --pretrained missing': finetune(['--pretrained', seg('gone.safetensors')], 2, [seg('gone.safetensors'), '--pretrained', /no such file/], notes),
  'finetune --pretrained not a weights file': finetune(['--pretrained', fixture('text.safetensors')], 1, [fixture('text.safetensors'), /invalid safetensors file/], notes),
  'finetune --pretrained a folder': finetune(['--pretrained', fixture('a-folder.safetensors')], 2, ['--pretrained', fixture('a-folder.safetensors'), /is a folder, not a file/], notes),
  'finetune --pretrained that does not fit': finetune(['--pretrained', CHECKPOINT], 1, [CHECKPOINT, /backbone does not fit this model|no backbone weights/], notes),
  'finetune --pretrained corrupt': finetune(['--pretrained', fixture('flipped.safetensors')], 1, [fixture('flipped.safetensors'), /checksum mismatch/], notes),

  // run-folder states: finetune
  'finetune into a folder holding a run': finetune([], 2, (out) => [out, /already holds a run .*pass --resume .* or --overwrite/], ftRun),
  'finetune into a folder holding splits.json only': finetune([], 2, (out) => [out, /already holds a run \(splits\.json\)/], ftSplitsOnly),
  'finetune --resume without a checkpoint': finetune(['--resume'], 2, (out) => [join(out, 'checkpoint.safetensors'), /--resume: no checkpoint/], notes),
  'finetune --resume with --overwrite': finetune(['--resume', '--overwrite'], 2, [/--resume and --overwrite exclude each other/], ftRun),
  'finetune --overwrite, then bad labels: the old run is restored': finetune(['--overwrite'], 1, [seg('labelsTr/seven_a.nii.gz'), /not in the class list/], ftRun, seg('outside-classes.json')),
  'finetune --resume from a corrupt checkpoint': {
    ...finetune(['--resume'], 1, (out) => [join(out, 'checkpoint.safetensors'), /checksum mismatch/], ftCorruptRun),
  },
  'finetune --resume from a pre-training checkpoint': {
    ...finetune(['--resume'], 1, (out) => [join(out, 'checkpoint.safetensors'), /not a smit fine-tuning checkpoint \(format 'smit-pretrain-checkpoint\/1'\)/], ftRun),
  },
  'finetune --data inside the run it would overwrite': {
    args: (out) => ['finetune', '--data', join(out, 'plans.json'), '--out-dir', out, ...FT_QUICK, '--overwrite'],
    setup: ftRunWithList,
    status: 2,
    says: (out) => [join(out, 'plans.json'), /would write .* over the input --data/],
  },

  // cv
  'cv --folds 1': cv(['--folds', '1'], 2, ['--folds', /expected an integer ≥ 2, got '1'/]),
  'cv --folds x': cv(['--folds', 'x'], 2, ['--folds', /got 'x'/]),
  'cv --folds larger than the cases': {
    ...cv(['--folds', '4'], 1, ['--folds 4', /between 2 and the number of labelled cases \(3\)/]),
  },
  'cv --folds larger than the cases (folder kept)': cv(['--folds', '4'], 1, ['--folds 4', /number of labelled cases \(3\)/], notes),
  'cv --compare-scratch without --pretrained': cv(['--compare-scratch'], 2, ['--compare-scratch needs --pretrained']),
  'cv --pretrained missing': cv(['--pretrained', seg('gone.safetensors')], 2, ['--pretrained', seg('gone.safetensors'), /no such file/]),
  'cv --data missing': cv([], 2, ['--data', seg('gone.json'), /no such file/], absent, seg('gone.json')),
  'cv --data without a "labels" table': cv([], 1, [seg('no-labels.json'), /no "labels" table/], absent, seg('no-labels.json')),
  'cv --data class ids not 0..K−1': cv([], 1, [seg('gap-ids.json'), /class ids must run/], absent, seg('gap-ids.json')),
  'cv splits.json naming an unknown case': { ...cv([], 1, [/fold 0 names cases not in the dataset: ghost/], cvSplits), says: (out) => [join(out, 'splits.json'), /fold 0 names cases not in the dataset: ghost/] },
  'cv --resume (a finetune-only option)': cv(['--resume'], 2, ["unknown option '--resume'"], notes),
  'cv --val-cases (a finetune-only option)': cv(['--val-cases', 'case_a'], 2, ["unknown option '--val-cases'"], notes),
  'cv --lr=-1': cv(['--lr=-1'], 2, ['--lr', /expected a number > 0/]),

  // segment
  'segment --overlap 1': segOption('--overlap', '1', /expected a number in \[0, 1\), got '1'/),
  'segment --overlap=-0.5': segOption('--overlap=-0.5', '', /expected a number in \[0, 1\)/),
  'segment --blend linear': segOption('--blend', 'linear', /expected one of constant, gaussian, got 'linear'/),
  'segment --sw-batch-size 0': segOption('--sw-batch-size', '0', /expected an integer ≥ 1/),
  'segment --device tpu': segOption('--device', 'tpu', /expected one of cpu, cuda, got 'tpu'/),
  'segment unknown option': segOption('--mode', 'gaussian', /unknown option '--mode'/),
  'segment without --model': segment(() => ['--input', SCAN_A], 2, () => ['--model is required']),
  'segment without --input': segment(() => ['--model', MODEL], 2, () => ['--input is required']),
  'segment without --out-dir': { args: () => ['segment', '--model', MODEL, '--input', SCAN_A], setup: absent, status: 2, says: () => ['--out-dir is required'] },
  'segment --model missing': segment(() => ['--model', seg('gone.safetensors'), '--input', SCAN_A], 2, () => ['--model', seg('gone.safetensors'), /no such file/]),
  'segment --model a pre-training checkpoint': segment(() => ['--model', CHECKPOINT, '--input', SCAN_A], 1, () => [CHECKPOINT, /a pre-training checkpoint: fine-tune it first/], absent),
  'segment --model an encoder export': segment(() => ['--model', seg('encoder-export.safetensors'), '--input', SCAN_A], 1, () => [seg('encoder-export.safetensors'), /not a fine-tuned segmenter/], absent),
  'segment --model corrupt': segment(() => ['--model', seg('flipped-model.safetensors'), '--input', SCAN_A], 1, () => [seg('flipped-model.safetensors'), /checksum mismatch/], absent),
  'segment --model is text': segment(() => ['--model', fixture('text.safetensors'), '--input', SCAN_A], 1, () => [fixture('text.safetensors'), /invalid safetensors file/]),
  'segment --model a PyTorch .pt': segment(() => ['--model', fixture('model.pt'), '--input', SCAN_A], 1, () => [fixture('model.pt'), /zip archive/]),
  'segment --input missing': segment(() => ['--model', MODEL, '--input', seg('gone.nii.gz')], 2, () => ['--input', seg('gone.nii.gz'), /no such file or folder/]),
  'segment --input not a scan': segment(() => ['--model', MODEL, '--input', fixture('image.png')], 1, () => [fixture('image.png'), /unsupported file type/]),
  'segment --input that is text': segment(() => ['--model', MODEL, '--input', fixture('text.nii')], 1, () => [fixture('text.nii'), /not a NIfTI file/]),
  'segment --input with a NaN voxel': segment(() => ['--model', MODEL, '--input', seg('imagesTr/nan_a.nii.gz')], 1, () => [seg('imagesTr/nan_a.nii.gz'), /NaN or infinite/]),
  'segment --input an empty folder': segment(() => ['--model', MODEL, '--input', seg('empty')], 1, () => [seg('empty'), /no \.nii\/\.nii\.gz volumes|no scans/]),
  'segment two inputs of one name': segment(() => ['--model', MODEL, '--input', `${SCAN_A},${seg('refs/case_a.nii.gz')}`], 1, () => [/has the same name 'case_a'/]),
  'segment output over an input': segment((out) => ['--model', MODEL, '--input', `${join(out, 'scan.nii.gz')},${join(out, 'scan_seg.nii.gz')}`], 1, (out) => [join(out, 'scan_seg.nii.gz'), /would be written over the input/], segInputsInOut),
  'segment output over the model': segment((out) => ['--model', join(out, 'case_a_seg.json'), '--input', SCAN_A, '--overwrite'], 1, (out) => [join(out, 'case_a_seg.json'), /would be written over the input/], segModelInOut),
  'segment onto an existing output': segment(() => ['--model', MODEL, '--input', SCAN_A], 1, (out) => [join(out, 'case_a_seg.nii.gz'), /exists; pass .*--overwrite/], segOutputs),

  // evaluate
  'evaluate predictions on another grid (shape)': evaluate(seg('preds-short'), seg('refs'), 1, [seg('preds-short/case_a.nii.gz'), seg('refs/case_a.nii.gz'), /grid does not match/]),
  'evaluate predictions on another grid (affine)': evaluate(seg('preds-shifted'), seg('refs'), 1, [seg('preds-shifted/case_a.nii.gz'), seg('refs/case_a.nii.gz'), /affines differ/]),
  'evaluate predictions not whole labels': evaluate(seg('preds-half'), seg('refs'), 1, [seg('preds-half/case_a.nii.gz'), /label values must be whole numbers/]),
  'evaluate --predictions missing': evaluate(seg('gone'), seg('refs'), 2, ['--predictions', seg('gone'), /no such folder/]),
  'evaluate --references missing': evaluate(seg('preds'), seg('gone'), 2, ['--references', seg('gone'), /no such file or folder/]),
  'evaluate a prediction missing': evaluate(seg('preds'), seg('refs2'), 1, [seg('preds'), /no prediction for 1 of 2 references .*: case_b/]),
  'evaluate an empty predictions folder': evaluate(seg('empty'), seg('refs'), 1, [seg('empty'), /no prediction for 1 of 1 references/]),
  'evaluate an empty references folder': evaluate(seg('preds'), seg('empty'), 1, [seg('empty'), /holds no \.nii\/\.nii\.gz reference label maps/]),
  'evaluate a dataset JSON none of whose cases is predicted': evaluate(seg('preds'), seg('refs-list.json'), 1, [seg('preds'), seg('refs-list.json'), /holds no prediction for any labelled case/]),
  'evaluate a references JSON that is not JSON': evaluate(seg('preds'), fixture('broken.json'), 1, [fixture('broken.json'), /not a valid JSON datalist/]),
  'evaluate --predictions a file': evaluate(SCAN_A, seg('refs'), 1, [SCAN_A, /cannot read the predictions folder/]),
  'evaluate --classes=-1': evaluate(seg('preds'), seg('refs'), 2, ['--classes', /got '-1'/], ['--classes=-1']),
  'evaluate --classes liver': evaluate(seg('preds'), seg('refs'), 2, ['--classes', /got 'liver'/], ['--classes', 'liver']),
  'evaluate onto existing outputs': { ...evaluate(seg('preds'), seg('refs'), 2, [], [], evalOutputs), says: (out) => [join(out, 'summary.json'), /exist; pass --overwrite/] },
  'evaluate output over --references': { ...evaluate(seg('preds'), '', 2, [/would write .* over the input --references/], ['--overwrite'], evalListAsOutput), args: (out) => ['evaluate', '--predictions', seg('preds'), '--references', join(out, 'summary.json'), '--out-dir', out, '--overwrite'] },
  'evaluate without --out-dir': { args: () => ['evaluate', '--predictions', seg('preds'), '--references', seg('refs')], setup: absent, status: 2, says: () => ['--out-dir is required'] },
};

/** Every file under `root` (links not followed) with the SHA-256 of its bytes, or of its target for links. */
function snapshot(root: string): Map<string, string> {
  const files = new Map<string, string>();
  if (!existsSync(root)) return files;
  for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
    const path = join(entry.parentPath ?? entry.path, entry.name);
    if (statSync(path).isDirectory()) files.set(relative(root, path), 'folder');
    else files.set(relative(root, path), createHash('sha256').update(readFileSync(path)).digest('hex'));
  }
  return files;
}

describe('bad input to the smit commands', { concurrency: 2 }, () => {
  let index = 0;
  for (const [name, c] of Object.entries(CASES)) {
    const out = join(dir, 'cases', String(index++));
    test(name, c.bug ? { todo: `src bug: ${c.bug}` } : {}, async () => {
      c.setup(out);
      const existed = existsSync(out);
      const beforeRun = snapshot(out);
      const { status, stderr } = await smit(c.args(out));
      assert.equal(status, c.status, `exit status\n${stderr}`);
      for (const expected of c.says(out)) {
        if (typeof expected === 'string') assert.ok(stderr.includes(expected), `stderr names ${expected}:\n${stderr}`);
        else assert.match(stderr, expected);
      }
      assert.equal(existsSync(out), existed, existed ? 'the output folder is kept' : 'no output folder is created');
      assert.deepEqual(snapshot(out), beforeRun, 'the output folder is unchanged');
    });
  }
});
