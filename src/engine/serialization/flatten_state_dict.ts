import { isTensorRecord, type TensorRecord } from './record.js';

export interface FlattenStateDictOptions {
  /** Removed from the start of every key that has it, e.g. "module." left by DataParallel. */
  prefixToStrip?: string;
}

/**
 * Collects every tensor in a loaded checkpoint (nested objects and arrays) under its dotted path,
 * e.g. {student: {'0.weight': t}} gives 'student.0.weight'. Pass the sub-object (checkpoint.state_dict)
 * to get bare parameter names. Non-tensor values such as epochs are skipped.
 */
export function flattenStateDict(value: unknown, options: FlattenStateDictOptions = {}): Map<string, TensorRecord> {
  const { prefixToStrip } = options;
  const tensors = new Map<string, TensorRecord>();
  const ancestors = new Set<object>();

  const visit = (node: unknown, path: string): void => {
    if (isTensorRecord(node)) {
      const key = prefixToStrip && path.startsWith(prefixToStrip) ? path.slice(prefixToStrip.length) : path;
      if (tensors.has(key)) throw new Error(`flattenStateDict: key '${key}' occurs twice after stripping prefix '${prefixToStrip}'`);
      tensors.set(key, node);
      return;
    }
    if (typeof node !== 'object' || node === null || ArrayBuffer.isView(node) || ancestors.has(node)) return;
    ancestors.add(node);
    for (const [key, child] of Object.entries(node)) visit(child, path === '' ? key : `${path}.${key}`);
    ancestors.delete(node);
  };

  visit(value, '');
  return tensors;
}
