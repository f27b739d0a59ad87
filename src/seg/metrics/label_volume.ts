// The label maps the segmentation metrics accept, and the class ids they score.
import type { Tensor } from '../../engine/index.js';

const LABEL_DTYPES = new Set(['int64', 'int32', 'int16', 'int8', 'uint8', 'bool']);

/**
 * The [X, Y, Z] view of a prediction/reference pair of integer label maps,
 * each [X, Y, Z] or [1, X, Y, Z], of one shape.
 */
export function labelVolumes(prediction: Tensor, reference: Tensor): [Tensor, Tensor] {
  const volumes = [prediction, reference].map((labels, i) => {
    const what = i === 0 ? 'prediction' : 'reference';
    if (!LABEL_DTYPES.has(labels.dtype)) throw new TypeError(`${what} must be an integer label map, got ${labels.dtype}`);
    const shape = labels.shape;
    if (shape.length === 4 && shape[0] === 1) return labels.squeeze(0);
    if (shape.length !== 3) throw new RangeError(`${what} must be [X, Y, Z] or [1, X, Y, Z], got [${shape.join(', ')}]`);
    return labels;
  });
  const [p, r] = volumes;
  if (p.shape.join() !== r.shape.join()) {
    throw new RangeError(`prediction [${p.shape.join(', ')}] and reference [${r.shape.join(', ')}] differ in shape`);
  }
  return [p, r];
}

/** Foreground classes 1 … the largest label of either map, when the caller names none. */
export function resolveClassIds(prediction: Tensor, reference: Tensor, classIds?: readonly number[]): number[] {
  if (classIds !== undefined) {
    for (const c of classIds) if (!Number.isInteger(c)) throw new TypeError(`class ids must be integers, got ${c}`);
    return [...classIds];
  }
  const largest = Math.max(prediction.max().item(), reference.max().item());
  return Array.from({ length: Math.max(0, largest) }, (_, i) => i + 1);
}
