import { crc32 } from 'node:zlib';
import { ITEM_SIZE, type DType } from '../dtype.js';
import { contiguousBytes } from './contiguous.js';
import { readWholeFile, writeFileAtomic } from './file_io.js';
import { numelOf, type TensorRecord } from './record.js';

/**
 * Hugging Face safetensors format: u64 LE header length, JSON header, then the tensor data.
 * Our writer adds the CRC-32 of the data section to the metadata (about 0.13 s per 200 MB);
 * the reader verifies it when present and leaves it out of the metadata it returns.
 */

const DTYPE_BY_CODE: Readonly<Record<string, DType>> = {
  F32: 'float32',
  F64: 'float64',
  F16: 'float16',
  BF16: 'bfloat16',
  I64: 'int64',
  I32: 'int32',
  I16: 'int16',
  I8: 'int8',
  U8: 'uint8',
  BOOL: 'bool',
};

const CODE_BY_DTYPE = Object.fromEntries(
  Object.entries(DTYPE_BY_CODE).map(([code, dtype]) => [dtype, code]),
) as Record<DType, string>;

const METADATA_KEY = '__metadata__';
const CHECKSUM_KEY = 'data_crc32';
const LENGTH_FIELD_BYTES = 8;

export interface SafetensorsContents {
  /** In data-offset order; each record's bytes are a subarray of the file buffer. */
  tensors: Map<string, TensorRecord>;
  metadata: Record<string, string>;
}

interface HeaderEntry {
  name: string;
  dtype: DType;
  shape: number[];
  begin: number;
  end: number;
}

export function readSafetensors(source: string | Uint8Array): SafetensorsContents {
  if (typeof source === 'string') return parseSafetensors(readWholeFile(source), source);
  // A plain Uint8Array view, so that records hold Uint8Array even when given a Buffer.
  return parseSafetensors(new Uint8Array(source.buffer, source.byteOffset, source.byteLength), '<in-memory buffer>');
}

function parseSafetensors(bytes: Uint8Array, label: string): SafetensorsContents {
  const fail = (detail: string) => new Error(`invalid safetensors file ${label}: ${detail}`);

  if (bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04) {
    throw fail('it is a zip archive (a PyTorch .pt checkpoint?), not safetensors');
  }
  if (bytes.byteLength < LENGTH_FIELD_BYTES) {
    throw fail(`truncated: ${bytes.byteLength} bytes, too short for the 8-byte header length`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getBigUint64(0, true);
  const available = bytes.byteLength - LENGTH_FIELD_BYTES;
  if (headerLength > BigInt(available)) {
    throw fail(`header length ${headerLength} exceeds the ${available} bytes after the length field (truncated file?)`);
  }
  const headerEnd = LENGTH_FIELD_BYTES + Number(headerLength);

  let headerText: string;
  try {
    headerText = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(LENGTH_FIELD_BYTES, headerEnd));
  } catch {
    throw fail('header is not valid UTF-8');
  }
  let header: unknown;
  try {
    header = JSON.parse(headerText);
  } catch (error) {
    throw fail(`header is not valid JSON (${(error as Error).message})`);
  }
  if (!isJsonObject(header)) throw fail('header must be a JSON object');

  const metadata = parseMetadata(header[METADATA_KEY], fail);
  const entries = Object.entries(header)
    .filter(([name]) => name !== METADATA_KEY)
    .map(([name, raw]) => parseEntry(name, raw, fail));

  const data = bytes.subarray(headerEnd);
  checkCoverage(entries, data.byteLength, fail);
  const { [CHECKSUM_KEY]: checksum, ...userMetadata } = metadata;
  if (checksum !== undefined) {
    const actual = hex32(crc32(data));
    if (actual !== checksum) {
      throw fail(`checksum mismatch: the file is corrupt or was modified (CRC-32 of the data section is ${actual}, the header says ${checksum})`);
    }
  }

  const tensors = new Map<string, TensorRecord>();
  for (const entry of entries) {
    tensors.set(entry.name, { dtype: entry.dtype, shape: entry.shape, bytes: data.subarray(entry.begin, entry.end) });
  }
  return { tensors, metadata: userMetadata };
}

function hex32(value: number): string {
  return value.toString(16).padStart(8, '0');
}

function parseMetadata(raw: unknown, fail: (detail: string) => Error): Record<string, string> {
  if (raw === undefined) return {};
  if (!isJsonObject(raw)) throw fail(`${METADATA_KEY} must be an object of strings`);
  const metadata: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (typeof value !== 'string') throw fail(`${METADATA_KEY} value for '${key}' is not a string`);
    metadata[key] = value;
  }
  return metadata;
}

function parseEntry(name: string, raw: unknown, fail: (detail: string) => Error): HeaderEntry {
  if (!isJsonObject(raw)) throw fail(`tensor '${name}': entry must be an object`);
  const code = raw.dtype;
  if (typeof code !== 'string' || !Object.hasOwn(DTYPE_BY_CODE, code)) {
    throw fail(
      `tensor '${name}' has unknown dtype ${JSON.stringify(code)} (supported: ${Object.keys(DTYPE_BY_CODE).join(', ')})`,
    );
  }
  const dtype = DTYPE_BY_CODE[code];
  const shape = raw.shape;
  if (!Array.isArray(shape) || !shape.every(isNonNegativeInteger)) {
    throw fail(`tensor '${name}' has invalid shape ${JSON.stringify(shape)}`);
  }
  const offsets = raw.data_offsets;
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isNonNegativeInteger) || offsets[0] > offsets[1]) {
    throw fail(`tensor '${name}' has invalid data_offsets ${JSON.stringify(offsets)}`);
  }
  const [begin, end] = offsets as [number, number];
  const expected = numelOf(shape) * ITEM_SIZE[dtype];
  if (end - begin !== expected) {
    throw fail(
      `tensor '${name}' has data_offsets [${begin}, ${end}] (${end - begin} bytes) but shape [${shape}] of ${code} needs ${expected} bytes`,
    );
  }
  return { name, dtype, shape: shape as number[], begin, end };
}

/** Sorts `entries` by offset and checks that they tile the data section exactly, as the reference reader does. */
function checkCoverage(entries: HeaderEntry[], dataLength: number, fail: (detail: string) => Error): void {
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  for (const entry of entries) {
    if (entry.end > dataLength) {
      throw fail(
        `tensor '${entry.name}' data_offsets [${entry.begin}, ${entry.end}] are out of range of the ${dataLength}-byte data section (truncated file?)`,
      );
    }
  }
  let cursor = 0;
  let previous = '<start of data>';
  for (const entry of entries) {
    if (entry.begin < cursor) {
      throw fail(`tensor '${entry.name}' data_offsets [${entry.begin}, ${entry.end}] overlap tensor '${previous}' (ends at ${cursor})`);
    }
    if (entry.begin > cursor) {
      throw fail(`${entry.begin - cursor} bytes between '${previous}' and '${entry.name}' are not covered by any tensor`);
    }
    cursor = entry.end;
    previous = entry.name;
  }
  if (cursor !== dataLength) {
    throw fail(`${dataLength - cursor} trailing bytes after the last tensor are not covered by any tensor`);
  }
}

/**
 * Writes tensors (views are made contiguous) in the reference layout: largest itemsize first, then by
 * name, so every tensor starts aligned to its itemsize; the header is space-padded to a multiple of 8.
 */
export function writeSafetensors(
  path: string,
  entries: Iterable<[string, TensorRecord]>,
  metadata: Record<string, string> = {},
): void {
  const fail = (detail: string) => new Error(`cannot write safetensors file ${path}: ${detail}`);

  const tensors: { name: string; record: TensorRecord; data: Uint8Array }[] = [];
  const seen = new Set<string>();
  for (const [name, record] of entries) {
    if (name === METADATA_KEY) throw fail(`'${METADATA_KEY}' is reserved and cannot name a tensor`);
    if (seen.has(name)) throw fail(`duplicate tensor name '${name}'`);
    seen.add(name);
    if (!record.shape.every(isNonNegativeInteger)) throw fail(`tensor '${name}' has invalid shape [${record.shape}]`);
    let data: Uint8Array;
    try {
      data = contiguousBytes(record);
    } catch (error) {
      throw fail(`tensor '${name}': ${(error as Error).message}`);
    }
    tensors.push({ name, record, data });
  }
  for (const [key, value] of Object.entries(metadata)) {
    if (typeof value !== 'string') throw fail(`metadata value for '${key}' is not a string`);
  }
  if (Object.hasOwn(metadata, CHECKSUM_KEY)) throw fail(`metadata key '${CHECKSUM_KEY}' is reserved for the checksum`);
  tensors.sort(
    (a, b) =>
      ITEM_SIZE[b.record.dtype] - ITEM_SIZE[a.record.dtype] || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
  );

  let checksum = 0;
  for (const { data } of tensors) checksum = crc32(data, checksum);
  const stored = { ...metadata, [CHECKSUM_KEY]: hex32(checksum) };

  // Built by hand rather than from one object so that the key order is kept even for integer-like names.
  const headerParts = [`${JSON.stringify(METADATA_KEY)}:${JSON.stringify(stored)}`];
  let offset = 0;
  for (const { name, record, data } of tensors) {
    const entry = { dtype: CODE_BY_DTYPE[record.dtype], shape: record.shape, data_offsets: [offset, offset + data.byteLength] };
    headerParts.push(`${JSON.stringify(name)}:${JSON.stringify(entry)}`);
    offset += data.byteLength;
  }
  const unpadded = new TextEncoder().encode(`{${headerParts.join(',')}}`);
  const header = new Uint8Array(Math.ceil(unpadded.byteLength / 8) * 8).fill(0x20);
  header.set(unpadded);

  const lengthField = new Uint8Array(LENGTH_FIELD_BYTES);
  new DataView(lengthField.buffer).setBigUint64(0, BigInt(header.byteLength), true);
  writeFileAtomic(path, [lengthField, header, ...tensors.map((tensor) => tensor.data)]);
}

function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNonNegativeInteger(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}
