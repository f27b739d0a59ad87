// Tensors to and from the byte-level records of the serialization formats.
import { fromBytes } from '../create.js';
import type { Tensor } from '../tensor.js';
import { contiguousBytes } from './contiguous.js';
import { flattenStateDict, type FlattenStateDictOptions } from './flatten_state_dict.js';
import type { TensorRecord } from './record.js';
import { readSafetensors, writeSafetensors } from './safetensors.js';
import { readTorchCheckpoint } from './torch_pickle.js';

export function tensorFromRecord(record: TensorRecord): Tensor {
  return fromBytes(contiguousBytes(record), record.dtype, record.shape);
}

export function recordFromTensor(tensor: Tensor): TensorRecord {
  return { dtype: tensor.dtype, shape: tensor.shape, bytes: tensor.toBytes() };
}

export interface LoadedTensors {
  tensors: Map<string, Tensor>;
  metadata: Record<string, string>;
}

export function loadSafetensors(path: string): LoadedTensors {
  const { tensors, metadata } = readSafetensors(path);
  const out = new Map<string, Tensor>();
  for (const [name, record] of tensors) out.set(name, tensorFromRecord(record));
  return { tensors: out, metadata };
}

/** Writes atomically (temporary file, then rename). */
export function saveSafetensors(
  path: string,
  tensors: Iterable<[string, Tensor]>,
  metadata: Record<string, string> = {},
): void {
  const records: [string, TensorRecord][] = [];
  for (const [name, t] of tensors) records.push([name, recordFromTensor(t)]);
  writeSafetensors(path, records, metadata);
}

/** The tensors of a PyTorch `torch.save` checkpoint (zip format), by dotted name. */
export function loadTorchStateDict(path: string, options: FlattenStateDictOptions = {}): Map<string, Tensor> {
  const records = flattenStateDict(readTorchCheckpoint(path), options);
  const out = new Map<string, Tensor>();
  for (const [name, record] of records) out.set(name, tensorFromRecord(record));
  return out;
}
