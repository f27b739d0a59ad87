// Labelled cases for fine-tuning: listed from a dataset JSON (its "labels"
// table names the classes), split into training and validation, loaded,
// checked (label values in the table, label on the image's grid) and
// preprocessed once with the run's recipe.
import { basename } from 'node:path';
import * as T from '../engine/index.js';
import { type DatasetEntry, SeededRandom, loadCase, readDecathlonList } from '../data/index.js';
import { UsageError } from '../util/options.js';
import { ProgressBar } from '../util/progress_bar.js';
import { type PreparedScan, type SegRecipe, prepareScan } from './recipe.js';

export interface LabelledCase {
  id: string;
  entry: DatasetEntry;
  scan: PreparedScan;
}

export interface CaseSplit {
  classNames: string[];
  train: DatasetEntry[];
  val: DatasetEntry[];
}

/** A case's id: its image file name without the NIfTI extension (or its DICOM folder's name). */
export function caseId(entry: DatasetEntry): string {
  return basename(entry.image).replace(/\.nii(\.gz)?$/, '');
}

/** Class names indexed by id (0 = background) from an MSD "labels" table; ids must run 0..K−1. */
export function classNamesOf(labels: Map<number, string> | undefined, where: string): string[] {
  if (labels === undefined || labels.size === 0) throw new Error(`${where}: no "labels" table (class id → name), which fine-tuning needs`);
  const ids = [...labels.keys()].sort((a, b) => a - b);
  if (ids.some((id, i) => id !== i)) throw new Error(`${where}: class ids must run 0, 1, …, ${ids.length - 1}; found ${ids.join(', ')}`);
  return ids.map((id) => labels.get(id)!);
}

/**
 * Training and validation entries: explicit case ids win; else the list's
 * own validation cases; else a seeded share of the training cases.
 */
export async function splitCases(
  jsonPath: string,
  o: { trainCases: readonly string[]; valCases: readonly string[]; valFraction: number; seed: number },
): Promise<CaseSplit> {
  const list = await readDecathlonList(jsonPath);
  const classNames = classNamesOf(list.labels, jsonPath);
  const all = [...list.training, ...list.validation];
  const byId = new Map(all.map((e) => [caseId(e), e]));
  const pick = (ids: readonly string[], flag: string) =>
    ids.map((id) => {
      const entry = byId.get(id);
      if (!entry) throw new UsageError(`${flag}: no case '${id}' in ${jsonPath} (cases: ${[...byId.keys()].join(', ')})`);
      return entry;
    });
  let val = o.valCases.length > 0 ? pick(o.valCases, '--val-cases') : list.validation;
  let train = o.trainCases.length > 0 ? pick(o.trainCases, '--train-cases') : list.training.filter((e) => !val.includes(e));
  if (o.valCases.length === 0 && list.validation.length === 0 && o.valFraction > 0) {
    const shuffled = new SeededRandom(o.seed).shuffle(train);
    const count = Math.max(1, Math.round(shuffled.length * o.valFraction));
    val = shuffled.slice(0, count);
    train = shuffled.slice(count);
  }
  const overlap = train.filter((e) => val.includes(e)).map(caseId);
  if (overlap.length > 0) throw new Error(`cases ${overlap.join(', ')} are in both the training and the validation set`);
  if (train.length === 0) throw new Error(`${jsonPath}: no training cases left (after holding out ${val.length} for validation)`);
  return { classNames, train, val };
}

/** Loads, checks and preprocesses cases; the tensors stay alive until disposeCases. */
export async function prepareCases(entries: readonly DatasetEntry[], recipe: SegRecipe, classCount: number, label: string): Promise<LabelledCase[]> {
  const classIds = Array.from({ length: classCount }, (_, i) => i);
  const bar = new ProgressBar(label, entries.length);
  const cases: LabelledCase[] = [];
  for (const [i, entry] of entries.entries()) {
    const loaded = await loadCase(entry, { classIds });
    cases.push({ id: caseId(entry), entry, scan: prepareScan(loaded.image, recipe, loaded.label) });
    bar.update(i + 1);
  }
  return cases;
}

/** Ids of the classes that no training label map contains. */
export function absentClasses(cases: readonly LabelledCase[], classCount: number): number[] {
  const seen = new Set<number>();
  for (const c of cases) for (const v of T.tidy(() => c.scan.label!.unique().toArray())) seen.add(v);
  return Array.from({ length: classCount }, (_, i) => i).filter((i) => i > 0 && !seen.has(i));
}

export function disposeCases(cases: readonly LabelledCase[]): void {
  for (const c of cases) T.dispose([c.scan.image, ...(c.scan.label ? [c.scan.label] : [])]);
}
