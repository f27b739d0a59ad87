import { ITEM_SIZE, type DType } from '../dtype.js';
import { isContiguous, requiredStorageElements } from './contiguous.js';
import { readWholeFile } from './file_io.js';
import { unpickle } from './pickle.js';
import { isTensorRecord, numelOf, type TensorRecord } from './record.js';
import { looksLikeZip, ZipArchive } from './zip.js';

/**
 * Reader for PyTorch `torch.save` checkpoints in the zip format (PyTorch >= 1.6): `<archive>/data.pkl`
 * holds the pickled object, whose tensors refer by persistent id to storages in `<archive>/data/<key>`.
 */

const STORAGE_DTYPES: Readonly<Record<string, DType>> = {
  FloatStorage: 'float32',
  DoubleStorage: 'float64',
  HalfStorage: 'float16',
  BFloat16Storage: 'bfloat16',
  LongStorage: 'int64',
  IntStorage: 'int32',
  ShortStorage: 'int16',
  CharStorage: 'int8',
  ByteStorage: 'uint8',
  BoolStorage: 'bool',
};

/** The value of a `torch.<X>Storage` global, as named inside persistent ids. */
class StorageType {
  constructor(readonly dtype: DType) {}
}

class Storage {
  constructor(
    readonly dtype: DType,
    readonly bytes: Uint8Array,
  ) {}
}

type Fail = (detail: string) => Error;

/**
 * Loads a checkpoint as plain JS values (see pickle.ts for the mapping) with a TensorRecord for
 * every tensor or parameter. Contiguous tensors get a zero-copy subarray of their storage; others
 * carry strides and storageOffset over the whole storage.
 */
export function readTorchCheckpoint(path: string): unknown {
  const label = `cannot load PyTorch checkpoint ${path}`;
  const fail: Fail = (detail) => new Error(`${label}: ${detail}`);

  const bytes = readWholeFile(path);
  if (!looksLikeZip(bytes)) throw fail(describeNonZip(bytes));
  const archive = new ZipArchive(bytes, path);
  const prefix = findRecordPrefix(archive, fail);

  const byteOrderName = `${prefix}byteorder`;
  if (archive.entries.has(byteOrderName)) {
    const byteOrder = new TextDecoder().decode(archive.read(byteOrderName)).trim();
    if (byteOrder !== 'little') throw fail(`storages are ${byteOrder}-endian; only little-endian is supported`);
  }

  const storages = new Map<string, Storage>();
  return unpickle(
    archive.read(`${prefix}data.pkl`),
    {
      findGlobal: (module, name) => resolveGlobal(module, name, fail),
      persistentLoad: (pid) => loadStorage(pid, archive, prefix, storages, fail),
    },
    label,
  );
}

function describeNonZip(bytes: Uint8Array): string {
  const PICKLE_PROTO = 0x80;
  const isTar = new TextDecoder().decode(bytes.subarray(257, 262)) === 'ustar';
  if (bytes[0] === PICKLE_PROTO || isTar) {
    return 'legacy torch.save format (pre-1.6) is not supported; re-save with torch.save(obj, path) in PyTorch >= 1.6';
  }
  return 'not a zip archive, so not a torch.save checkpoint (PyTorch >= 1.6)';
}

/** Records live under one top-level folder whose name varies (the file stem, or "archive"). */
function findRecordPrefix(archive: ZipArchive, fail: Fail): string {
  const dataPickle = [...archive.entries.keys()].find((name) => /^[^/]+\/data\.pkl$/.test(name));
  if (dataPickle === undefined) throw fail('zip archive has no <archive>/data.pkl record, so it is not a torch.save checkpoint');
  const prefix = dataPickle.slice(0, -'data.pkl'.length);
  if (archive.entries.has(`${prefix}constants.pkl`)) {
    throw fail(
      'this is a TorchScript archive (torch.jit.save), which is not supported; in Python, torch.save(model.state_dict(), path) instead',
    );
  }
  return prefix;
}

function resolveGlobal(module: string, name: string, fail: Fail): unknown {
  const qualified = `${module}.${name}`;
  switch (qualified) {
    case 'collections.OrderedDict':
      return (...args: unknown[]) => {
        if (args.length > 0) throw fail('OrderedDict with constructor arguments is not supported');
        return {};
      };
    case 'torch._utils._rebuild_tensor_v2':
      return (...args: unknown[]) => rebuildTensor(args, fail);
    case 'torch._utils._rebuild_parameter':
    case 'torch._utils._rebuild_parameter_with_state':
      return (data: unknown) => {
        if (!isTensorRecord(data)) throw fail(`${qualified} expects a tensor`);
        return data;
      };
  }
  if (module === 'torch' && Object.hasOwn(STORAGE_DTYPES, name)) return new StorageType(STORAGE_DTYPES[name]);
  throw fail(
    `unsupported global '${qualified}' (only tensors, parameters, storages, OrderedDict and plain Python values can be loaded; nothing is executed)`,
  );
}

/** Persistent id: ('storage', storage_type, key, location, numel). */
function loadStorage(pid: unknown, archive: ZipArchive, prefix: string, storages: Map<string, Storage>, fail: Fail): Storage {
  if (!Array.isArray(pid) || pid.length !== 5 || pid[0] !== 'storage') {
    throw fail(`unsupported persistent id ${JSON.stringify(pid, (_key, value) => (typeof value === 'bigint' ? String(value) : value))}`);
  }
  const [, storageType, key, , numel] = pid;
  if (!(storageType instanceof StorageType) || typeof key !== 'string' || !isIndex(numel)) {
    throw fail(`malformed storage reference for key ${String(key)}`);
  }
  const cached = storages.get(key);
  if (cached !== undefined) return cached;

  const entryName = `${prefix}data/${key}`;
  if (!archive.entries.has(entryName)) throw fail(`storage record '${entryName}' is missing`);
  const bytes = archive.read(entryName);
  const expected = numel * ITEM_SIZE[storageType.dtype];
  if (bytes.byteLength !== expected) {
    throw fail(`storage '${entryName}' has ${bytes.byteLength} bytes, expected ${numel} x ${storageType.dtype} = ${expected}`);
  }
  const storage = new Storage(storageType.dtype, bytes);
  storages.set(key, storage);
  return storage;
}

/** torch._utils._rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata]) */
function rebuildTensor(args: unknown[], fail: Fail): TensorRecord {
  const [storage, storageOffset, size, stride] = args;
  if (args.length < 6 || args.length > 7) throw fail(`_rebuild_tensor_v2 called with ${args.length} arguments`);
  if (!(storage instanceof Storage)) throw fail('_rebuild_tensor_v2 expects a storage');
  if (!isIndex(storageOffset) || !isIndexList(size) || !isIndexList(stride) || size.length !== stride.length) {
    throw fail('_rebuild_tensor_v2 has a malformed offset, size or stride');
  }
  const itemsize = ITEM_SIZE[storage.dtype];
  const storageElements = storage.bytes.byteLength / itemsize;
  if (requiredStorageElements(size, stride, storageOffset) > storageElements) {
    throw fail(`tensor of size [${size}], stride [${stride}], offset ${storageOffset} exceeds its ${storageElements}-element storage`);
  }
  const shape = [...size];
  if (isContiguous(size, stride)) {
    const begin = storageOffset * itemsize;
    return { dtype: storage.dtype, shape, bytes: storage.bytes.subarray(begin, begin + numelOf(size) * itemsize) };
  }
  return { dtype: storage.dtype, shape, strides: [...stride], storageOffset, bytes: storage.bytes };
}

function isIndex(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

function isIndexList(value: unknown): value is number[] {
  return Array.isArray(value) && value.every(isIndex);
}
