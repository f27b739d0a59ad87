import { DataError } from '../data_error.js';
import { Image } from '../image.js';

/**
 * Checks that a label map holds whole, non-negative class ids — only those
 * of `classIds` when given — and returns it with uint8 voxels (uint16 when ids
 * exceed 255), whatever type the file stored them as.
 */
export function asLabelImage(label: Image, classIds?: readonly number[]): Image {
  const where = label.source ?? 'label';
  const counts = new Map<number, number>();
  const data = label.data;
  let previous = NaN;
  let previousCount = 0;
  // Label maps are long runs of one value: count runs, not voxels, in the map.
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v === previous) {
      previousCount++;
      continue;
    }
    if (previousCount > 0) counts.set(previous, (counts.get(previous) ?? 0) + previousCount);
    previous = v;
    previousCount = 1;
  }
  if (previousCount > 0) counts.set(previous, (counts.get(previous) ?? 0) + previousCount);

  const values = [...counts.keys()].sort((a, b) => a - b);
  const invalid = values.filter((v) => !Number.isInteger(v) || v < 0 || v > 65535);
  if (invalid.length > 0) {
    throw new DataError(where, `label values must be whole numbers 0..65535; found ${describe(invalid, counts)}`);
  }
  if (classIds) {
    const allowed = new Set(classIds);
    const unexpected = values.filter((v) => !allowed.has(v));
    if (unexpected.length > 0) {
      throw new DataError(where, `label values ${describe(unexpected, counts)} are not in the class list [${classIds.join(', ')}]`);
    }
  }
  const out = values[values.length - 1] > 255 ? new Uint16Array(data.length) : new Uint8Array(data.length);
  if (data instanceof Uint8Array && out instanceof Uint8Array) return label;
  out.set(data);
  return label.withData(out);
}

function describe(values: number[], counts: Map<number, number>): string {
  const shown = values.slice(0, 10).map((v) => `${v} (${counts.get(v)} voxels)`);
  return shown.join(', ') + (values.length > 10 ? `, and ${values.length - 10} more` : '');
}
