import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { DataError } from '../data_error.js';
import type { DatasetEntry } from './dataset_entry.js';

const LISTS = ['training', 'validation', 'test'];

/** A Medical Segmentation Decathlon dataset.json / MONAI datalist, with paths resolved. */
export interface DecathlonList {
  name?: string;
  /** Class id → name, from the "labels" object of an MSD dataset.json. */
  labels?: Map<number, string>;
  training: DatasetEntry[];
  validation: DatasetEntry[];
  test: DatasetEntry[];
}

/**
 * Reads an MSD / MONAI JSON datalist: {"training": [{"image", "label"}],
 * "validation": [...], "test": ["path" or {"image"}]}. Paths are resolved
 * against `root` (default: the JSON file's folder); absolute paths stay.
 * Training and validation entries must have a label.
 */
export async function readDecathlonList(jsonPath: string, options: { root?: string } = {}): Promise<DecathlonList> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(jsonPath, 'utf8'));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new DataError(jsonPath, code === 'ENOENT' ? 'file not found' : `not a valid JSON datalist (${(error as Error).message})`, { cause: error });
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new DataError(jsonPath, 'a datalist must be a JSON object with "training", "validation" or "test" lists');
  }
  const root = options.root ?? dirname(jsonPath);
  const record = json as Record<string, unknown>;
  if (!LISTS.some((key) => key in record)) {
    const keys = Object.keys(record);
    throw new DataError(jsonPath, `has no "training", "validation" or "test" list (its keys: ${keys.length ? keys.join(', ') : 'none'})`);
  }
  const list = (key: string, labelled: boolean): DatasetEntry[] => {
    const value = record[key];
    if (value === undefined) return [];
    if (!Array.isArray(value)) throw new DataError(jsonPath, `"${key}" must be a list`);
    return value.map((item, index) => parseEntry(item, labelled, `"${key}"[${index}]`, root, jsonPath));
  };
  return {
    name: typeof record.name === 'string' ? record.name : undefined,
    labels: parseLabels(record.labels, jsonPath),
    training: list('training', true),
    validation: list('validation', true),
    test: list('test', false),
  };
}

function parseEntry(item: unknown, labelled: boolean, where: string, root: string, jsonPath: string): DatasetEntry {
  if (typeof item === 'string' && !labelled) return { image: resolve(root, item) };
  if (typeof item !== 'object' || item === null) {
    throw new DataError(jsonPath, `${where} must be an object with "image"${labelled ? ' and "label"' : ''}`);
  }
  const { image, label } = item as Record<string, unknown>;
  if (typeof image !== 'string') throw new DataError(jsonPath, `${where} has no "image" path`);
  if (labelled && typeof label !== 'string') throw new DataError(jsonPath, `${where} has no "label" path`);
  return typeof label === 'string' ? { image: resolve(root, image), label: resolve(root, label) } : { image: resolve(root, image) };
}

function parseLabels(labels: unknown, jsonPath: string): Map<number, string> | undefined {
  if (labels === undefined) return undefined;
  if (typeof labels !== 'object' || labels === null) throw new DataError(jsonPath, '"labels" must map class ids to names');
  return new Map(
    Object.entries(labels as Record<string, unknown>).map(([id, name]) => {
      if (!/^\d+$/.test(id) || typeof name !== 'string') throw new DataError(jsonPath, `"labels" entry ${id}: ${JSON.stringify(name)} is not id → name`);
      return [Number(id), name];
    }),
  );
}
