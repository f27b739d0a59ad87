// Scoring predicted label maps against references: Dice, HD95 and ASSD per
// case and class (src/seg/metrics), summarised in spirit as nnU-Net's
// summary.json, plus a flat metrics.csv. Distances are in mm from the
// reference's spacing; both maps must lie on one grid.
import { existsSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import * as T from '../engine/index.js';
import { DataError, Image, asLabelImage, assertSameGrid, loadImage, readDecathlonList } from '../data/index.js';
import { type ClassMetrics, caseMetrics, nanmean } from './metrics/index.js';

export interface EvaluationPair {
  id: string;
  /** A label map file (NIfTI or DICOM folder) or an Image. */
  prediction: string | Image;
  reference: string | Image;
}

export interface EvaluateOptions {
  /** Class names by id (index / key 0 = background); unnamed ids are called class_<id>. */
  classNames?: readonly string[] | ReadonlyMap<number, string>;
  /**
   * Class ids to score. Default: every named foreground id when classNames is
   * given, else 1 … the largest label in any case (cases where a class is in
   * neither map score it NaN).
   */
  classIds?: readonly number[];
  /** Called after each case. */
  onCase?: (done: number, total: number, id: string) => void;
}

export interface CaseScores {
  id: string;
  prediction: string;
  reference: string;
  /** Keyed by class name, in class id order. */
  classes: Record<string, ClassMetrics>;
}

export interface EvaluationSummary {
  classes: { id: number; name: string }[];
  perCase: CaseScores[];
  /** nanmean over cases, per class. */
  mean: Record<string, { dice: number; hd95: number; assd: number }>;
  /** [nanmean, standard deviation (population, of the non-NaN values)] over cases, per class. */
  meanSd: Record<string, { dice: [number, number]; hd95: [number, number]; assd: [number, number] }>;
  /** nanmean over classes of the per-class means (nnU-Net's foreground_mean). */
  foregroundMean: { dice: number; hd95: number; assd: number };
}

const METRICS = ['dice', 'hd95', 'assd'] as const;

/**
 * Scores every pair, one case in memory at a time. Empty masks follow
 * src/seg/metrics (nnU-Net's rule): a class in neither map is NaN for all
 * three metrics and drops out of the means; a class in only one of the two
 * has Dice 0 and NaN distances.
 */
export async function evaluate(pairs: readonly EvaluationPair[], options: EvaluateOptions = {}): Promise<EvaluationSummary> {
  if (pairs.length === 0) throw new RangeError('evaluate: no prediction/reference pairs');
  const ids = new Set<string>();
  for (const pair of pairs) {
    if (ids.has(pair.id)) throw new RangeError(`evaluate: case id '${pair.id}' appears twice`);
    ids.add(pair.id);
  }
  const nameOf = classNamer(options.classNames);
  const fixedIds = options.classIds ?? namedForegroundIds(options.classNames);
  const scored: { pair: EvaluationPair; prediction: string; reference: string; metrics: ClassMetrics[] }[] = [];
  for (const [index, pair] of pairs.entries()) {
    const reference = await labelMap(pair.reference, `${pair.id} reference`);
    const prediction = await labelMap(pair.prediction, `${pair.id} prediction`);
    assertSameGrid(reference, prediction);
    const metrics = T.tidy(() => {
      const ref = labelTensor(reference);
      const pred = labelTensor(prediction);
      const classIds = fixedIds ?? largestLabelRange(pred, ref);
      return caseMetrics(pred, ref, reference.spacing, classIds);
    });
    scored.push({ pair, prediction: prediction.source!, reference: reference.source!, metrics });
    options.onCase?.(index + 1, pairs.length, pair.id);
  }

  const classIds = fixedIds ?? [...new Set(scored.flatMap((s) => s.metrics.map((m) => m.classId)))].sort((a, b) => a - b);
  const classes = uniqueNames(classIds, nameOf);
  const perCase: CaseScores[] = scored.map(({ pair, prediction, reference, metrics }) => {
    const byId = new Map(metrics.map((m) => [m.classId, m]));
    const entries = classes.map(({ id, name }) => [name, byId.get(id) ?? absentClass(id)] as const);
    return { id: pair.id, prediction, reference, classes: Object.fromEntries(entries) };
  });
  const mean: EvaluationSummary['mean'] = {};
  const meanSd: EvaluationSummary['meanSd'] = {};
  for (const { name } of classes) {
    const stats = METRICS.map((metric) => meanAndSd(perCase.map((c) => c.classes[name][metric])));
    mean[name] = { dice: stats[0][0], hd95: stats[1][0], assd: stats[2][0] };
    meanSd[name] = { dice: stats[0], hd95: stats[1], assd: stats[2] };
  }
  const foregroundMean = {
    dice: nanmean(classes.map(({ name }) => mean[name].dice)),
    hd95: nanmean(classes.map(({ name }) => mean[name].hd95)),
    assd: nanmean(classes.map(({ name }) => mean[name].assd)),
  };
  return { classes, perCase, mean, meanSd, foregroundMean };
}

async function labelMap(input: string | Image, what: string): Promise<Image> {
  const image = typeof input === 'string' ? await loadImage(input) : input;
  // Images built in code may have no source; messages then name the case and side.
  const named = image.source === undefined ? new Image({ data: image.data, shape: image.shape, affine: image.affine, header: image.header, source: what }) : image;
  return asLabelImage(named);
}

/** [X, Y, Z] integer tensor of an Image's voxels (stored [Z, Y, X]); a view, so nothing is copied twice. */
function labelTensor(image: Image): T.Tensor {
  const data = image.data instanceof Uint8Array ? image.data : Int32Array.from(image.data);
  return T.tensor(data, { shape: [...image.shape] }).permute([2, 1, 0]);
}

function largestLabelRange(prediction: T.Tensor, reference: T.Tensor): number[] {
  const largest = Math.max(prediction.max().item(), reference.max().item());
  return Array.from({ length: largest }, (_, i) => i + 1);
}

function absentClass(classId: number): ClassMetrics {
  return { classId, dice: NaN, hd95: NaN, assd: NaN, predVoxels: 0, refVoxels: 0 };
}

function classNamer(names: EvaluateOptions['classNames']): (id: number) => string {
  return (id) => (names === undefined ? undefined : isMap(names) ? names.get(id) : names[id]) ?? `class_${id}`;
}

function namedForegroundIds(names: EvaluateOptions['classNames']): number[] | undefined {
  if (names === undefined) return undefined;
  const ids = isMap(names) ? [...names.keys()] : names.map((_, id) => id);
  return ids.filter((id) => id > 0).sort((a, b) => a - b);
}

function isMap(names: NonNullable<EvaluateOptions['classNames']>): names is ReadonlyMap<number, string> {
  return !Array.isArray(names);
}

/** Names are the summary's keys: a repeated one gets its id appended. */
function uniqueNames(ids: readonly number[], nameOf: (id: number) => string): { id: number; name: string }[] {
  const counts = new Map<string, number>();
  for (const id of ids) counts.set(nameOf(id), (counts.get(nameOf(id)) ?? 0) + 1);
  return ids.map((id) => ({ id, name: counts.get(nameOf(id))! > 1 ? `${nameOf(id)}_${id}` : nameOf(id) }));
}

function meanAndSd(values: readonly number[]): [number, number] {
  const finite = values.filter((v) => !Number.isNaN(v));
  if (finite.length === 0) return [NaN, NaN];
  const mean = finite.reduce((a, b) => a + b, 0) / finite.length;
  const variance = finite.reduce((a, v) => a + (v - mean) ** 2, 0) / finite.length;
  return [mean, Math.sqrt(variance)];
}

/** summary.json's text: NaN (and ±Infinity) are written as null, as JSON has no NaN. */
export function summaryJson(summary: EvaluationSummary): string {
  return `${JSON.stringify(summary, null, 2)}\n`;
}

/** metrics.csv: a header, then one row per case × class; NaN is an empty field. */
export function metricsCsv(summary: EvaluationSummary): string {
  const rows = [['case', 'prediction', 'reference', 'class_id', 'class', 'dice', 'hd95_mm', 'assd_mm', 'pred_voxels', 'ref_voxels']];
  for (const c of summary.perCase) {
    for (const { id, name } of summary.classes) {
      const m = c.classes[name];
      rows.push([c.id, c.prediction, c.reference, String(id), name, ...[m.dice, m.hd95, m.assd].map(number), String(m.predVoxels), String(m.refVoxels)]);
    }
  }
  return rows.map((row) => row.map(csvField).join(',')).join('\n') + '\n';
}

function number(value: number): string {
  return Number.isFinite(value) ? String(value) : '';
}

function csvField(text: string): string {
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Writes summary.json and metrics.csv into `outDir` (created if missing); returns their paths. */
export async function writeEvaluation(summary: EvaluationSummary, outDir: string): Promise<{ summary: string; csv: string }> {
  await mkdir(outDir, { recursive: true });
  const paths = { summary: join(outDir, 'summary.json'), csv: join(outDir, 'metrics.csv') };
  await writeFile(paths.summary, summaryJson(summary));
  await writeFile(paths.csv, metricsCsv(summary));
  return paths;
}

const NIFTI_NAME = /\.nii(\.gz)?$/i;
// How segment names its outputs, accepted beside the reference's own name.
const PREDICTION_SUFFIXES = ['.nii.gz', '.nii', '_seg.nii.gz', '_seg.nii'];

/** The .nii/.nii.gz files of a folder by case id (the name without its ending). */
async function niftiFiles(folder: string, what: string): Promise<Map<string, string>> {
  let names: string[];
  try {
    names = await readdir(folder);
  } catch (error) {
    throw new DataError(folder, `cannot read the ${what} folder (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, { cause: error });
  }
  return new Map(names.filter((n) => NIFTI_NAME.test(n)).sort().map((n) => [n, join(folder, n)]));
}

function findPrediction(predictions: ReadonlyMap<string, string>, ids: readonly string[]): string | undefined {
  for (const id of ids) {
    for (const suffix of PREDICTION_SUFFIXES) {
      const path = predictions.get(`${id}${suffix}`);
      if (path !== undefined) return path;
    }
  }
  return undefined;
}

/**
 * Pairs `references/<x>.nii.gz` with `predictions/<x>.nii.gz` (or .nii, or
 * segment's `<x>_seg.nii.gz`). Every reference must have a prediction.
 */
export async function pairFolders(predictionDir: string, referenceDir: string): Promise<EvaluationPair[]> {
  const references = await niftiFiles(referenceDir, 'references');
  if (references.size === 0) throw new DataError(referenceDir, 'holds no .nii/.nii.gz reference label maps');
  const predictions = await niftiFiles(predictionDir, 'predictions');
  const pairs: EvaluationPair[] = [];
  const missing: string[] = [];
  for (const [name, reference] of references) {
    const id = name.replace(NIFTI_NAME, '');
    const prediction = findPrediction(predictions, [id]);
    if (prediction === undefined) missing.push(id);
    else pairs.push({ id, prediction, reference });
  }
  if (missing.length > 0) {
    const shown = missing.slice(0, 5).join(', ') + (missing.length > 5 ? `, and ${missing.length - 5} more` : '');
    throw new DataError(predictionDir, `has no prediction for ${missing.length} of ${references.size} references in ${referenceDir}: ${shown} (expected <id>.nii.gz or <id>_seg.nii.gz)`);
  }
  return pairs;
}

/**
 * Pairs the labelled entries of an MSD / MONAI dataset JSON with the
 * predictions folder: an entry's prediction is named after its label file or
 * its image (`<x>.nii.gz`, `<x>_seg.nii.gz`). Entries without a prediction
 * are left out and listed in `unmatched`; none matching is an error. The
 * JSON's "labels" become the class names.
 */
export async function pairDataset(
  datasetJson: string,
  predictionDir: string,
): Promise<{ pairs: EvaluationPair[]; unmatched: string[]; classNames?: Map<number, string> }> {
  const list = await readDecathlonList(datasetJson);
  const predictions = await niftiFiles(predictionDir, 'predictions');
  const pairs: EvaluationPair[] = [];
  const unmatched: string[] = [];
  for (const entry of [...list.training, ...list.validation, ...list.test]) {
    if (entry.label === undefined) continue;
    const id = basename(entry.label).replace(NIFTI_NAME, '');
    const prediction = findPrediction(predictions, [id, basename(entry.image).replace(NIFTI_NAME, '')]);
    if (prediction === undefined) unmatched.push(entry.label);
    else if (!pairs.some((p) => p.id === id)) pairs.push({ id, prediction, reference: entry.label });
  }
  if (pairs.length === 0) {
    throw new DataError(predictionDir, `holds no prediction for any labelled case of ${datasetJson} (expected <label or image name>.nii.gz or _seg.nii.gz)`);
  }
  return { pairs, unmatched, classNames: list.labels };
}

/** The pairs from a predictions folder and a references folder or dataset JSON, and the JSON's class names. */
export async function pairPredictions(
  predictionDir: string,
  references: string,
): Promise<{ pairs: EvaluationPair[]; unmatched: string[]; classNames?: Map<number, string> }> {
  if (!existsSync(references)) throw new DataError(references, 'no such file or folder');
  if (references.toLowerCase().endsWith('.json')) return pairDataset(references, predictionDir);
  return { pairs: await pairFolders(predictionDir, references), unmatched: [] };
}
