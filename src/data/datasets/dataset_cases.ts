import { assertSameGrid } from '../geometry/same_grid.js';
import type { Image } from '../image.js';
import type { ImageReadOptions } from '../io/image_read_options.js';
import { loadImage } from '../io/load_image.js';
import type { DatasetEntry } from './dataset_entry.js';
import { asLabelImage } from './label_image.js';

export interface LoadedCase {
  entry: DatasetEntry;
  image: Image;
  /** uint8/uint16 label map on the image's grid, when the entry has one. */
  label?: Image;
}

export interface CaseFailure {
  entry: DatasetEntry;
  error: Error;
}

/** Images are read as float32 (the networks' input), labels in their file's type. */
export interface CaseLoadOptions extends Omit<ImageReadOptions, 'dtype'> {
  /** Allowed label values; others fail the case. */
  classIds?: readonly number[];
  /** Largest affine difference (mm) between image and label grids; default 1e-3. */
  gridTolerance?: number;
  /** Report bad cases in `failures` and go on, instead of failing the whole load. */
  skipBad?: boolean;
}

/** Loads one case and checks it: label values, and label on the image's grid. */
export async function loadCase(entry: DatasetEntry, options: CaseLoadOptions = {}): Promise<LoadedCase> {
  const image = await loadImage(entry.image, { ...options, dtype: 'float32' });
  if (entry.label === undefined) return { entry, image };
  const label = asLabelImage(await loadImage(entry.label, options), options.classIds);
  assertSameGrid(image, label, options.gridTolerance);
  return { entry, image, label };
}

/**
 * Loads cases one after another. Every bad case is collected; without
 * `skipBad` the load then fails with an AggregateError whose message lists
 * each case's problem, with `skipBad` the good cases come back with the
 * failures beside them.
 */
export async function loadCases(
  entries: readonly DatasetEntry[],
  options: CaseLoadOptions = {},
): Promise<{ cases: LoadedCase[]; failures: CaseFailure[] }> {
  const cases: LoadedCase[] = [];
  const failures: CaseFailure[] = [];
  for (const entry of entries) {
    try {
      cases.push(await loadCase(entry, options));
    } catch (error) {
      failures.push({ entry, error: error instanceof Error ? error : new Error(String(error)) });
    }
  }
  if (failures.length > 0 && !options.skipBad) {
    throw new AggregateError(
      failures.map((f) => f.error),
      `${failures.length} of ${entries.length} cases are bad (pass { skipBad: true } to skip them):\n` +
        failures.map((f) => `  ${f.error.message}`).join('\n'),
    );
  }
  return { cases, failures };
}
