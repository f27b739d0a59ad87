// Segmenting scans with a fine-tuned model (SMIT-SPEC §3, inference): the
// model file's recipe preprocesses the scan, a sliding window of the training
// crop predicts it, and the argmax label map — taken on the resampled grid,
// so no per-class float volume ever exists at the scan's resolution — is put
// back on the scan's own grid with its header.
import { existsSync, statSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import * as T from '../engine/index.js';
import type { Tensor } from '../engine/index.js';
import { DataError, Image, type Ijk, listVolumeFolder, loadImage, saveImage } from '../data/index.js';
import type { SmitSegmenter } from '../models/index.js';
import { ProgressBar } from '../util/progress_bar.js';
import { type SegmenterInfo, loadSegmenter } from './model_file.js';
import { writeSegmentationOverlay } from './overlay.js';
import { type PredictOptions, predictScan } from './predict.js';
import { type PreparedScan, labelsToSourceGrid, prepareScan } from './recipe.js';
import { resolvedPath } from '../util/paths.js';

export type SegmentDevice = 'cpu' | 'cuda';

/** A segmentation model loaded once for many scans. */
export interface Segmenter {
  model: SmitSegmenter;
  info: SegmenterInfo;
  /** The model file, for the reports. */
  path: string;
  device: SegmentDevice;
}

export interface SegmentOptions extends Omit<PredictOptions, 'device'> {
  /** Keep only the largest 26-connected component of each organ (as MONAI's KeepLargestConnectedComponent). */
  largestComponent?: boolean;
  /** Where a model given as a path is loaded and run. Default 'cpu'. */
  device?: SegmentDevice;
}

export interface OrganVolume {
  id: number;
  name: string;
  voxels: number;
  /** voxels × the scan's voxel volume (mm³) / 1000 */
  millilitres: number;
}

export interface SegmentResult {
  /** uint8 class ids on the scan's grid, with the scan's affine and header. */
  labels: Image;
  /** Every foreground class of the model, in id order, also those not found. */
  volumes: OrganVolume[];
  /**
   * Softmax probability of each class id (index = id), float32 on the model's
   * resampled RAS grid cropped to the region that was segmented (their
   * affines place them in the world). Not on the scan's grid: K float volumes
   * at the scan's resolution would dwarf everything else in memory.
   */
  probabilities?: Image[];
  /** The sliding window used (x, y, z voxels of the resampled grid). */
  window: Readonly<Ijk>;
}

/** Loads a model file for segment/segmentFolder; 'cuda' needs a CUDA build of libtorch and a GPU. */
export function openSegmenter(path: string, device: SegmentDevice = 'cpu'): Segmenter {
  checkDevice(device);
  if (!existsSync(path)) throw new Error(`model ${path}: no such file`);
  const { model, info } = loadSegmenter(path);
  if (device !== 'cpu') model.to(device);
  return { model, info, path, device };
}

function checkDevice(device: string): void {
  if (device !== 'cpu' && device !== 'cuda') throw new RangeError(`device must be 'cpu' or 'cuda', got '${device}'`);
  if (device === 'cuda' && !T.cuda.isAvailable()) throw new Error("device 'cuda': no CUDA device is available to libtorch (use 'cpu')");
}

/** Segments one scan (a path: NIfTI file or DICOM series folder, or an Image). */
export async function segment(
  scan: string | Image,
  model: string | Segmenter,
  options: SegmentOptions = {},
): Promise<SegmentResult> {
  const image = typeof scan === 'string' ? await loadImage(scan, { dtype: 'float32' }) : scan;
  checkFinite(image);
  const segmenter = typeof model === 'string' ? openSegmenter(model, options.device) : model;
  try {
    return segmentImage(image, segmenter, options);
  } finally {
    if (typeof model === 'string') segmenter.model.dispose();
  }
}

/** segment's work on a scan already checked by checkFinite. */
function segmentImage(scan: Image, segmenter: Segmenter, options: SegmentOptions): SegmentResult {
  const { info } = segmenter;
  const prepared = prepareScan(scan, info.recipe);
  try {
    const result = predictScan(segmenter.model, prepared, info.recipe, { ...options, device: segmenter.device });
    let labels: Image;
    let probabilities: Image[] | undefined;
    try {
      labels = labelsToSourceGrid(result.labels, prepared, scan);
      if (result.probabilities) probabilities = probabilityImages(result.probabilities, prepared, scan.source);
    } finally {
      result.labels.dispose();
      result.probabilities?.dispose();
    }
    if (options.largestComponent) labels = labels.withData(keepLargestComponents(labels.data as Uint8Array, labels.size));
    return { labels, volumes: organVolumes(labels, info.classNames), probabilities, window: result.window };
  } finally {
    prepared.image.dispose();
  }
}

function checkFinite(scan: Image): void {
  const data = scan.data;
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      const nx = scan.shape[2];
      const ny = scan.shape[1];
      const voxel = [i % nx, Math.floor(i / nx) % ny, Math.floor(i / (nx * ny))];
      throw new DataError(scan.source ?? 'scan', `voxel (${voxel.join(', ')}) is ${data[i]}: a scan to segment must have finite intensities`);
    }
  }
}

/** [K, X, Y, Z] probabilities on the prepared (padded) grid → one Image per class on the resampled grid's segmented box. */
function probabilityImages(probabilities: Tensor, prepared: PreparedScan, source: string | undefined): Image[] {
  const { canonical, resampledSize, cropStart, cropSize, padBefore } = prepared;
  const [nz, ny, nx] = canonical.shape;
  const inputSize = [nx, ny, nz];
  const affine = new Float64Array(canonical.affine);
  for (let a = 0; a < 3; a++) {
    const stretch = inputSize[a] / resampledSize[a];
    // align_corners = false: resampled voxel j's centre is input voxel (j + ½)·stretch − ½.
    const shift = 0.5 * stretch - 0.5 + cropStart[a] * stretch;
    for (let r = 0; r < 3; r++) {
      const column = canonical.affine[r * 4 + a];
      affine[r * 4 + a] = column * stretch;
      affine[r * 4 + 3] += column * shift;
    }
  }
  return Array.from({ length: probabilities.size(0) }, (_, k) =>
    T.tidy(() => {
      const inside = probabilities
        .select(0, k)
        .narrow(0, padBefore[0], cropSize[0])
        .narrow(1, padBefore[1], cropSize[1])
        .narrow(2, padBefore[2], cropSize[2]);
      const data = inside.permute([2, 1, 0]).contiguous().data() as Float32Array;
      return new Image({ data, shape: [cropSize[2], cropSize[1], cropSize[0]], affine, source: source && `${source} (class ${k})` });
    }),
  );
}

/** Voxels and millilitres of every foreground class id 1 … classNames.length − 1. */
export function organVolumes(labels: Image, classNames: readonly string[]): OrganVolume[] {
  const counts = new Float64Array(Math.max(classNames.length, 256));
  const data = labels.data;
  for (let i = 0; i < data.length; i++) counts[data[i]]++;
  const [sx, sy, sz] = labels.spacing;
  const voxelMm3 = sx * sy * sz;
  return classNames.slice(1).map((name, i) => ({
    id: i + 1,
    name,
    voxels: counts[i + 1],
    millilitres: (counts[i + 1] * voxelMm3) / 1000,
  }));
}

/**
 * The label map with, for each class, only its largest connected component
 * (ties: the one reached first in memory order). `size` is (nx, ny, nz) of
 * the x-fastest array. 26-connectivity (faces, edges and corners) by default,
 * as MONAI's KeepLargestConnectedComponent and nnU-Net's post-processing: an
 * organ that touches itself only diagonally at a thick slice stays whole.
 */
export function keepLargestComponents(labels: Uint8Array, size: readonly [number, number, number], connectivity: 6 | 26 = 26): Uint8Array {
  const [nx, ny, nz] = size;
  if (labels.length !== nx * ny * nz) throw new RangeError(`labels have ${labels.length} voxels but size ${size.join('×')} needs ${nx * ny * nz}`);
  const offsets: [number, number, number][] = [];
  for (let dz = -1; dz <= 1; dz++) {
    for (let dy = -1; dy <= 1; dy++) {
      for (let dx = -1; dx <= 1; dx++) {
        const steps = Math.abs(dx) + Math.abs(dy) + Math.abs(dz);
        if (steps > 0 && (connectivity === 26 || steps === 1)) offsets.push([dx, dy, dz]);
      }
    }
  }
  let foreground = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] !== 0) foreground++;
  const queue = new Int32Array(foreground);
  // 0 unseen, 1 in some component, 2 in the kept component of its class.
  const state = new Uint8Array(labels.length);
  const flood = (seed: number, mark: number): number => {
    const label = labels[seed];
    let head = 0;
    let tail = 0;
    queue[tail++] = seed;
    state[seed] = mark;
    while (head < tail) {
      const at = queue[head++];
      const x = at % nx;
      const y = Math.floor(at / nx) % ny;
      const z = Math.floor(at / (nx * ny));
      for (const [dx, dy, dz] of offsets) {
        const X = x + dx;
        const Y = y + dy;
        const Z = z + dz;
        if (X < 0 || Y < 0 || Z < 0 || X >= nx || Y >= ny || Z >= nz) continue;
        const next = (Z * ny + Y) * nx + X;
        if (labels[next] !== label || state[next] === mark) continue;
        state[next] = mark;
        queue[tail++] = next;
      }
    }
    return tail;
  };
  const largest = new Map<number, { seed: number; voxels: number }>();
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] === 0 || state[i] !== 0) continue;
    const voxels = flood(i, 1);
    const best = largest.get(labels[i]);
    if (best === undefined || voxels > best.voxels) largest.set(labels[i], { seed: i, voxels });
  }
  for (const { seed } of largest.values()) flood(seed, 2);
  const out = new Uint8Array(labels.length);
  for (let i = 0; i < labels.length; i++) if (state[i] === 2) out[i] = labels[i];
  return out;
}

export interface SegmentFolderOptions extends SegmentOptions {
  /** Replace outputs that exist; without it an existing output is an error (before anything runs). */
  overwrite?: boolean;
  /** Progress bars on stderr; default on (SMIT_NO_PROGRESS=1 turns them off). */
  progress?: boolean;
}

export interface SegmentedScan {
  name: string;
  input: string;
  labels: string;
  report: string;
  overlay: string;
  probabilities: string[];
  volumes: OrganVolume[];
}

const NIFTI_NAME = /\.nii(\.gz)?$/i;

/**
 * Segments every scan named by `inputs` (NIfTI files, DICOM series folders,
 * or folders of them) into `outDir`: per scan `<name>_seg.nii.gz` (labels on
 * the scan's grid, its header), `<name>_seg.json` (class names, organ volumes
 * in mL, model, settings), `<name>_overlay.png`, and with `probabilities`
 * `<name>_prob_<id>.nii.gz` per class. All outputs are checked first: none may
 * replace an input or the model, nor (without `overwrite`) an existing file,
 * and names must not repeat.
 */
export async function segmentFolder(
  inputs: readonly string[],
  outDir: string,
  model: string | Segmenter,
  options: SegmentFolderOptions = {},
): Promise<SegmentedScan[]> {
  if (inputs.length === 0) throw new RangeError('segmentFolder: no inputs given');
  if (options.device !== undefined) checkDevice(options.device);
  const scans = await listScans(inputs, outDir);
  const inputPaths = [...scans.map((s) => s.path), typeof model === 'string' ? model : model.path];
  const overwrite = options.overwrite ?? false;
  checkOutputs(planOutputs(scans, outDir, 0), inputPaths, overwrite);

  const segmenter = typeof model === 'string' ? openSegmenter(model, options.device) : model;
  const results: SegmentedScan[] = [];
  try {
    // The probability outputs, one per class, can be named only once the model is read.
    const plans = planOutputs(scans, outDir, options.probabilities ? segmenter.info.classNames.length : 0);
    if (options.probabilities) checkOutputs(plans, inputPaths, overwrite);
    await mkdir(outDir, { recursive: true });
    for (const [index, plan] of plans.entries()) {
      const started = Date.now();
      const scan = await loadImage(plan.input, { dtype: 'float32' });
      checkFinite(scan);
      let bar: ProgressBar | undefined;
      const onProgress = (done: number, total: number) => {
        bar ??= new ProgressBar(`segment ${index + 1}/${plans.length} ${plan.name}`, total, options.progress ?? !process.env.SMIT_NO_PROGRESS);
        bar.update(done, 'windows');
        options.onProgress?.(done, total);
      };
      const result = segmentImage(scan, segmenter, { ...options, onProgress });
      await saveImage(result.labels, plan.labels);
      for (const [k, probability] of (result.probabilities ?? []).entries()) await saveImage(probability, plan.probabilities[k]);
      const names = segmenter.info.classNames;
      writeSegmentationOverlay(plan.overlay, scan, result.labels, {
        classNames: names,
        millilitres: new Map(result.volumes.map((v) => [v.id, v.millilitres])),
        title: `${plan.name}: ${basename(segmenter.path)}`,
        range: displayRange(segmenter.info),
      });
      const report = {
        scan: resolve(plan.input),
        labels: basename(plan.labels),
        model: resolve(segmenter.path),
        modelStep: segmenter.info.step,
        classNames: names,
        volumes: result.volumes,
        size: scan.size,
        spacing: scan.spacing,
        settings: {
          window: result.window,
          overlap: options.overlap ?? 0.5,
          blend: options.blend ?? 'constant',
          swBatchSize: options.swBatchSize ?? 4,
          tta: options.tta ?? false,
          largestComponent: options.largestComponent ?? false,
          device: segmenter.device,
          precision: options.precision ?? 'fp32',
          recipe: segmenter.info.recipe,
        },
        seconds: (Date.now() - started) / 1000,
      };
      await writeFile(plan.report, `${JSON.stringify(report, null, 2)}\n`);
      results.push({ ...plan, volumes: result.volumes });
    }
  } finally {
    if (typeof model === 'string') segmenter.model.dispose();
  }
  return results;
}

/** The CT window of the recipe (HU) for the overlay; scans normalised per volume are shown by percentiles. */
function displayRange(info: SegmenterInfo): [number, number] | undefined {
  const intensity = info.recipe.intensity;
  return intensity.kind === 'window' ? [intensity.window.aMin, intensity.window.aMax] : undefined;
}

interface Scan {
  name: string;
  path: string;
}

// What segmentFolder writes: left out when the output folder is also listed as an input folder.
const OUTPUT_NAME = /(_seg|_prob_\d+)\.nii(\.gz)?$/i;

/** Every scan of the inputs, named by its file (without .nii/.nii.gz) or DICOM folder. */
async function listScans(inputs: readonly string[], outDir: string): Promise<Scan[]> {
  const scans: Scan[] = [];
  for (const input of inputs) {
    if (!existsSync(input)) throw new DataError(input, 'no such file or folder');
    const isFolder = statSync(input).isDirectory();
    if (!isFolder && !NIFTI_NAME.test(input)) throw new DataError(input, 'unsupported file type: expected .nii, .nii.gz or a DICOM folder');
    let paths = isFolder ? (await listVolumeFolder(input)).map((entry) => entry.image) : [input];
    if (isFolder && resolvedPath(input) === resolvedPath(outDir)) paths = paths.filter((path) => !OUTPUT_NAME.test(path));
    for (const path of paths) scans.push({ name: basename(path).replace(NIFTI_NAME, ''), path });
  }
  if (scans.length === 0) throw new DataError(inputs.join(', '), 'holds no scans besides earlier segmentation outputs');
  const seen = new Map<string, string>();
  for (const scan of scans) {
    const other = seen.get(scan.name);
    if (other !== undefined) throw new DataError(scan.path, `has the same name '${scan.name}' as ${other}: their outputs would collide`);
    seen.set(scan.name, scan.path);
  }
  return scans;
}

type Plan = Omit<SegmentedScan, 'volumes'>;

function planOutputs(scans: readonly Scan[], outDir: string, classes: number): Plan[] {
  return scans.map(({ name, path }) => ({
    name,
    input: path,
    labels: join(outDir, `${name}_seg.nii.gz`),
    report: join(outDir, `${name}_seg.json`),
    overlay: join(outDir, `${name}_overlay.png`),
    probabilities: Array.from({ length: classes }, (_, k) => join(outDir, `${name}_prob_${k}.nii.gz`)),
  }));
}

function checkOutputs(plans: readonly Plan[], inputs: readonly string[], overwrite: boolean): void {
  const inputPaths = new Map(inputs.map((p) => [resolvedPath(p), p]));
  for (const plan of plans) {
    for (const output of [plan.labels, plan.report, plan.overlay, ...plan.probabilities]) {
      const input = inputPaths.get(resolvedPath(output));
      if (input !== undefined) throw new DataError(output, `would be written over the input ${input}; choose another output folder`);
      if (!overwrite && existsSync(output)) throw new DataError(output, 'exists; pass overwrite (--overwrite) to replace it');
    }
  }
}

