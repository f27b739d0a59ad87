import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';

import {
  contiguousBytes,
  flattenStateDict,
  numelOf,
  readSafetensors,
  readTorchCheckpoint,
  writeSafetensors,
  type TensorRecord,
} from '../../src/engine/serialization/index.js';
import { DTYPES, ITEM_SIZE, type DType } from '../../src/engine/dtype.js';
import { FIXTURE, requirePath, requirePython, runPython } from '../helpers/env.js';


const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'smit-serialization-'));
after(() => fs.rmSync(tmpDir, { recursive: true, force: true }));

const FIXTURE_IO = path.join(FIXTURE, 'io.safetensors');

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

function tmpPath(name: string): string {
  return path.join(tmpDir, name);
}

function patternedBytes(length: number, seed: number): Uint8Array {
  return Uint8Array.from({ length }, (_, index) => (index * 31 + seed * 17 + 7) & 0xff);
}

describe('safetensors', () => {
  test('round trip of every dtype keeps bytes, shapes and metadata', () => {
    const shapes = [[2, 3], [], [0, 4], [5]];
    const written = new Map<string, TensorRecord>();
    DTYPES.forEach((dtype, index) => {
      const shape = shapes[index % shapes.length];
      const length = numelOf(shape) * ITEM_SIZE[dtype];
      const bytes = dtype === 'bool' ? patternedBytes(length, index).map((byte) => byte & 1) : patternedBytes(length, index);
      written.set(`${dtype}_tensor`, { dtype, shape, bytes });
    });
    const file = tmpPath('roundtrip.safetensors');
    writeSafetensors(file, written, { format: 'pt', note: 'ünïcode' });

    const { tensors, metadata } = readSafetensors(file);
    assert.deepEqual(metadata, { format: 'pt', note: 'ünïcode' });
    assert.deepEqual([...tensors.keys()].sort(), [...written.keys()].sort());
    for (const [name, record] of written) {
      const read = tensors.get(name)!;
      assert.equal(read.dtype, record.dtype, name);
      assert.deepEqual(read.shape, record.shape, name);
      assert.equal(hex(read.bytes), hex(record.bytes), name);
      assert.equal(read.bytes.byteOffset % ITEM_SIZE[read.dtype], 0, `${name} is aligned`);
    }
    const headerLength = Number(Buffer.from(fs.readFileSync(file)).readBigUInt64LE(0));
    assert.equal(headerLength % 8, 0, 'header is padded to a multiple of 8');
    assert.deepEqual(fs.readdirSync(tmpDir).filter((name) => name.includes('.tmp-')), [], 'no temporary file is left');
  });

  test('writing a strided view stores its contiguous data', () => {
    // 2x3 float32 matrix transposed: storage [0..5], view shape [3, 2], strides [1, 3].
    const storage = new Uint8Array(new Float32Array([0, 1, 2, 3, 4, 5]).buffer);
    const view: TensorRecord = { dtype: 'float32', shape: [3, 2], strides: [1, 3], storageOffset: 0, bytes: storage };
    const file = tmpPath('view.safetensors');
    writeSafetensors(file, [['t', view]]);
    const read = readSafetensors(file).tensors.get('t')!;
    assert.deepEqual(read.shape, [3, 2]);
    assert.deepEqual([...new Float32Array(read.bytes.slice().buffer)], [0, 3, 1, 4, 2, 5]);
  });

  test('reads from a buffer with zero-copy subarrays', () => {
    const file = tmpPath('buffer.safetensors');
    writeSafetensors(file, [['a', { dtype: 'int32', shape: [2], bytes: new Uint8Array(new Int32Array([7, -7]).buffer) }]]);
    const buffer = new Uint8Array(fs.readFileSync(file));
    const read = readSafetensors(buffer).tensors.get('a')!;
    assert.equal(read.bytes.buffer, buffer.buffer);
    assert.deepEqual([...new Int32Array(read.bytes.slice().buffer)], [7, -7]);
  });

  test('reads a file written by Python and writes one Python reads', (t) => {
    if (!requirePython(t, ['numpy'])) return;
    const fromPython = tmpPath('from_python.safetensors');
    // Unpadded header, metadata first and names in an order our writer would not use.
    runPython(
      `
import json, struct, sys, numpy as np
tensors = {
  "z_f32": np.arange(6, dtype=np.float32).reshape(2, 3),
  "a_i64": np.array([-1, 2**40], dtype=np.int64),
  "m_f16": np.array([0.5, -2.0, 65504.0], dtype=np.float16),
  "b_bool": np.array([[True, False], [False, True]]),
  "u8": np.array([255, 0, 7], dtype=np.uint8),
  "bf16": np.array([0x3FC0, 0xC000], dtype=np.uint16),
}
codes = {"float32": "F32", "int64": "I64", "float16": "F16", "bool": "BOOL", "uint8": "U8"}
header, chunks, offset = {"__metadata__": {"source": "python"}}, [], 0
for name, array in tensors.items():
    raw = array.tobytes()
    header[name] = {"dtype": "BF16" if name == "bf16" else codes[str(array.dtype)], "shape": list(array.shape), "data_offsets": [offset, offset + len(raw)]}
    chunks.append(raw)
    offset += len(raw)
encoded = json.dumps(header).encode()
with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("<Q", len(encoded)) + encoded + b"".join(chunks))
`,
      { args: [fromPython] },
    );
    const { tensors, metadata } = readSafetensors(fromPython);
    assert.deepEqual(metadata, { source: 'python' });
    assert.deepEqual([...tensors.keys()], ['z_f32', 'a_i64', 'm_f16', 'b_bool', 'u8', 'bf16']);
    const values = (name: string) => tensors.get(name)!;
    assert.deepEqual(values('z_f32').shape, [2, 3]);
    assert.deepEqual([...new Float32Array(values('z_f32').bytes.slice().buffer)], [0, 1, 2, 3, 4, 5]);
    assert.deepEqual([...new BigInt64Array(values('a_i64').bytes.slice().buffer)], [-1n, 2n ** 40n]);
    assert.equal(hex(values('m_f16').bytes), '0038' + '00c0' + 'ff7b');
    assert.deepEqual([...values('b_bool').bytes], [1, 0, 0, 1]);
    assert.equal(values('bf16').dtype, 'bfloat16');
    assert.equal(hex(values('bf16').bytes), 'c03f00c0');

    const toPython = tmpPath('to_python.safetensors');
    writeSafetensors(toPython, tensors, metadata);
    const summary = JSON.parse(
      runPython(
        `
import json, struct, sys, numpy as np
data = open(sys.argv[1], "rb").read()
n = struct.unpack("<Q", data[:8])[0]
header = json.loads(data[8:8 + n])
body = data[8 + n:]
types = {"F32": np.float32, "I64": np.int64, "F16": np.float16, "BOOL": np.bool_, "U8": np.uint8, "BF16": np.uint16}
out = {"__metadata__": header.pop("__metadata__")}
for name, entry in header.items():
    b, e = entry["data_offsets"]
    out[name] = np.frombuffer(body[b:e], dtype=types[entry["dtype"]]).reshape(entry["shape"]).tolist()
print(json.dumps(out))
`,
        { args: [toPython] },
      ),
    );
    const { data_crc32: crc, ...userMetadata } = summary.__metadata__;
    assert.match(crc, /^[0-9a-f]{8}$/, 'the checksum travels in the metadata');
    assert.deepEqual({ ...summary, __metadata__: userMetadata }, {
      __metadata__: { source: 'python' },
      z_f32: [
        [0, 1, 2],
        [3, 4, 5],
      ],
      a_i64: [-1, 2 ** 40],
      m_f16: [0.5, -2, 65504],
      b_bool: [
        [true, false],
        [false, true],
      ],
      u8: [255, 0, 7],
      bf16: [0x3fc0, 0xc000],
    });
  });

  test('reads the reference fixture io.safetensors', (t) => {
    if (!requirePath(t, FIXTURE_IO)) return;
    const { tensors, metadata } = readSafetensors(FIXTURE_IO);
    const file = fs.readFileSync(FIXTURE_IO);
    const headerLength = Number(file.readBigUInt64LE(0));
    const header = JSON.parse(file.subarray(8, 8 + headerLength).toString('utf8')) as Record<string, { dtype: string; shape: number[] }>;
    const { __metadata__: expectedMetadata, ...entries } = header;
    assert.deepEqual(metadata, expectedMetadata ?? {});
    assert.equal(tensors.size, Object.keys(entries).length);
    const views = tensors.get('views')!;
    assert.equal(views.dtype, 'float32');
    assert.deepEqual(views.shape, [2, 1, 64, 64, 64]);
    const buffers = new Set([...tensors.values()].map((record) => record.bytes.buffer));
    assert.equal(buffers.size, 1, 'all tensors are views of one file buffer');
    for (const [name, entry] of Object.entries(entries)) assert.deepEqual(tensors.get(name)!.shape, entry.shape, name);
  });

  describe('rejects broken files with an error naming the file', () => {
    function buildFile(name: string, header: unknown, dataLength: number, headerText = JSON.stringify(header)): string {
      const encodedHeader = Buffer.from(headerText, 'utf8');
      const lengthField = Buffer.alloc(8);
      lengthField.writeBigUInt64LE(BigInt(encodedHeader.length));
      const file = tmpPath(name);
      fs.writeFileSync(file, Buffer.concat([lengthField, encodedHeader, Buffer.alloc(dataLength)]));
      return file;
    }
    const f32 = (shape: number[], begin: number, end: number) => ({ dtype: 'F32', shape, data_offsets: [begin, end] });

    const cases: [string, () => string, RegExp][] = [
      [
        'truncated before the header length',
        () => {
          const file = tmpPath('tiny.safetensors');
          fs.writeFileSync(file, Buffer.from([1, 2, 3]));
          return file;
        },
        /truncated: 3 bytes/,
      ],
      [
        'header length beyond the file',
        () => {
          const file = tmpPath('long_header.safetensors');
          const bytes = Buffer.alloc(8 + 16, 0x20);
          bytes.writeBigUInt64LE(1000n);
          fs.writeFileSync(file, bytes);
          return file;
        },
        /header length 1000 exceeds the 16 bytes/,
      ],
      ['invalid JSON', () => buildFile('bad_json.safetensors', null, 0, '{"a": '), /not valid JSON/],
      ['non-object header', () => buildFile('array.safetensors', [1, 2], 0), /must be a JSON object/],
      ['unknown dtype', () => buildFile('dtype.safetensors', { a: { dtype: 'F8_E4M3', shape: [1], data_offsets: [0, 1] } }, 1), /unknown dtype "F8_E4M3"/],
      ['offsets not matching shape', () => buildFile('size.safetensors', { a: f32([2, 3], 0, 20) }, 20), /needs 24 bytes/],
      ['overlapping tensors', () => buildFile('overlap.safetensors', { a: f32([2], 0, 8), b: f32([2], 4, 12) }, 12), /overlap tensor 'a'/],
      ['gap between tensors', () => buildFile('gap.safetensors', { a: f32([2], 0, 8), b: f32([2], 12, 20) }, 20), /4 bytes between 'a' and 'b'/],
      ['data cut short', () => buildFile('cut.safetensors', { a: f32([2], 0, 8), b: f32([4], 8, 24) }, 20), /'b'.*out of range.*truncated/],
      ['trailing bytes', () => buildFile('trailing.safetensors', { a: f32([2], 0, 8) }, 12), /4 trailing bytes/],
      ['non-string metadata', () => buildFile('meta.safetensors', { __metadata__: { epoch: 3 } }, 0), /'epoch' is not a string/],
    ];
    for (const [title, makeFile, pattern] of cases) {
      test(title, () => {
        const file = makeFile();
        assert.throws(
          () => readSafetensors(file),
          (error: Error) => error.message.includes(file) && pattern.test(error.message),
        );
      });
    }

    test('a real file truncated in its data', () => {
      const file = tmpPath('whole.safetensors');
      writeSafetensors(file, [['w', { dtype: 'float64', shape: [4], bytes: new Uint8Array(32) }]]);
      const cut = tmpPath('truncated.safetensors');
      fs.writeFileSync(cut, fs.readFileSync(file).subarray(0, -5));
      assert.throws(() => readSafetensors(cut), (error: Error) => error.message.includes(cut) && /out of range/.test(error.message));
    });
  });
});

interface PythonTensor {
  dtype: DType;
  shape: number[];
  stride: number[];
  offset: number;
  contiguous: boolean;
  data: string;
  storage: string;
}

interface TorchFixtures {
  dir: string;
  expected: Record<string, Record<string, PythonTensor>> & { sequentialKeys: string[] };
}

const TORCH_FIXTURE_SCRIPT = `
import argparse, collections, json, os, sys, torch
out = sys.argv[1]
torch.manual_seed(0)

def raw(t):
    return t.contiguous().view(-1).view(torch.uint8).numpy().tobytes().hex()

def describe(t):
    storage = torch.empty(0, dtype=t.dtype).set_(t.storage())
    return {"dtype": str(t.dtype)[len("torch."):], "shape": list(t.shape), "stride": list(t.stride()),
            "offset": t.storage_offset(), "contiguous": t.is_contiguous(), "data": raw(t), "storage": raw(storage)}

dtypes = {
    "float32": torch.randn(2, 3), "float64": torch.randn(4, dtype=torch.float64),
    "int64": torch.tensor([-3, 0, 2**40]), "bool": torch.tensor([True, False, True]),
    "float16": torch.randn(3, 2).half(), "bfloat16": torch.randn(5).bfloat16(),
    "int32": torch.tensor([-7, 7], dtype=torch.int32), "int16": torch.tensor([-300], dtype=torch.int16),
    "int8": torch.tensor([[-1], [1]], dtype=torch.int8), "uint8": torch.tensor([200, 3], dtype=torch.uint8),
    "scalar": torch.tensor(3.5), "empty": torch.zeros(0, 3),
}
torch.save(dtypes, os.path.join(out, "dtypes.pt"))

base = torch.arange(24, dtype=torch.float32).reshape(4, 6)
views = {"base": base, "transposed": base.t(), "rows": base[1:3], "cols": base[:, 2:5], "strided": base[::2, 1]}
torch.save(views, os.path.join(out, "views.pt"))

model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
state = model.state_dict()
torch.save(state, os.path.join(out, "sequential.pt"))
nested = {"student": state, "epoch": 3, "lr": 0.5, "name": "smit", "flags": [True, None, False], "pair": (1, -2),
          "big": 2**70, "negative": -(2**40), "deep": {"a": {"b": 1.25}}}
torch.save(nested, os.path.join(out, "nested.pt"))
torch.save(nested, os.path.join(out, "nested_protocol4.pt"), pickle_protocol=4)
torch.save(collections.OrderedDict(("module." + k, v) for k, v in state.items()), os.path.join(out, "module.pt"))
torch.save({"weight": torch.nn.Parameter(torch.ones(2, 2))}, os.path.join(out, "parameter.pt"))
torch.save(state, os.path.join(out, "legacy.pt"), _use_new_zipfile_serialization=False)
torch.jit.save(torch.jit.script(torch.nn.Linear(2, 2)), os.path.join(out, "script.pt"))
torch.save({"args": argparse.Namespace(lr=1)}, os.path.join(out, "namespace.pt"))

print(json.dumps({
    "dtypes": {k: describe(v) for k, v in dtypes.items()},
    "views": {k: describe(v) for k, v in views.items()},
    "sequential": {k: describe(v) for k, v in state.items()},
    "sequentialKeys": list(state.keys()),
}))
`;

let torchFixtures: TorchFixtures | undefined;
function loadTorchFixtures(): TorchFixtures {
  if (torchFixtures === undefined) {
    const dir = tmpPath('torch');
    fs.mkdirSync(dir);
    torchFixtures = { dir, expected: JSON.parse(runPython(TORCH_FIXTURE_SCRIPT, { args: [dir] })) };
  }
  return torchFixtures;
}

function assertMatchesPython(record: TensorRecord | undefined, expected: PythonTensor, name: string): void {
  assert.ok(record, `${name} is present`);
  assert.equal(record.dtype, expected.dtype, `${name} dtype`);
  assert.deepEqual(record.shape, expected.shape, `${name} shape`);
  assert.equal(hex(contiguousBytes(record)), expected.data, `${name} data`);
  if (expected.contiguous) {
    assert.equal(record.strides, undefined, `${name} has no strides`);
  } else {
    assert.deepEqual(record.strides, expected.stride, `${name} strides`);
    assert.equal(record.storageOffset, expected.offset, `${name} storage offset`);
    assert.equal(hex(record.bytes), expected.storage, `${name} storage bytes`);
  }
}

describe('torch.save checkpoints', () => {
  test('every dtype comes back with exact bytes', (t) => {
    if (!requirePython(t, ['torch', 'numpy'])) return;
    const { dir, expected } = loadTorchFixtures();
    const loaded = readTorchCheckpoint(path.join(dir, 'dtypes.pt')) as Record<string, TensorRecord>;
    assert.deepEqual(Object.keys(loaded), Object.keys(expected.dtypes));
    for (const [name, tensor] of Object.entries(expected.dtypes)) assertMatchesPython(loaded[name], tensor, name);
  });

  test('views sharing one storage keep strides and offsets', (t) => {
    if (!requirePython(t, ['torch', 'numpy'])) return;
    const { dir, expected } = loadTorchFixtures();
    const loaded = readTorchCheckpoint(path.join(dir, 'views.pt')) as Record<string, TensorRecord>;
    for (const [name, tensor] of Object.entries(expected.views)) assertMatchesPython(loaded[name], tensor, name);
    assert.equal(expected.views.transposed.contiguous, false);
    assert.equal(expected.views.rows.offset, 6);
    for (const name of ['transposed', 'rows', 'cols', 'strided']) {
      assert.equal(loaded[name].bytes.buffer, loaded.base.bytes.buffer, `${name} shares the file buffer`);
    }
  });

  test('an nn.Sequential state dict keeps its key order and values', (t) => {
    if (!requirePython(t, ['torch', 'numpy'])) return;
    const { dir, expected } = loadTorchFixtures();
    const loaded = readTorchCheckpoint(path.join(dir, 'sequential.pt'));
    const tensors = flattenStateDict(loaded);
    assert.deepEqual([...tensors.keys()], expected.sequentialKeys);
    for (const [name, tensor] of Object.entries(expected.sequential)) assertMatchesPython(tensors.get(name), tensor, name);
  });

  for (const file of ['nested.pt', 'nested_protocol4.pt']) {
    test(`nested checkpoint with metadata (${file})`, (t) => {
      if (!requirePython(t, ['torch', 'numpy'])) return;
      const { dir, expected } = loadTorchFixtures();
      const loaded = readTorchCheckpoint(path.join(dir, file)) as Record<string, unknown>;
      const { student, ...rest } = loaded;
      assert.deepEqual(rest, {
        epoch: 3,
        lr: 0.5,
        name: 'smit',
        flags: [true, null, false],
        pair: [1, -2],
        big: 2n ** 70n,
        negative: -(2 ** 40),
        deep: { a: { b: 1.25 } },
      });
      const all = flattenStateDict(loaded);
      assert.deepEqual([...all.keys()], expected.sequentialKeys.map((key) => `student.${key}`));
      const studentTensors = flattenStateDict(student);
      for (const [name, tensor] of Object.entries(expected.sequential)) assertMatchesPython(studentTensors.get(name), tensor, name);
    });
  }

  test('a module. prefix is stripped on request', (t) => {
    if (!requirePython(t, ['torch', 'numpy'])) return;
    const { dir, expected } = loadTorchFixtures();
    const loaded = readTorchCheckpoint(path.join(dir, 'module.pt'));
    assert.deepEqual([...flattenStateDict(loaded).keys()], expected.sequentialKeys.map((key) => `module.${key}`));
    const stripped = flattenStateDict(loaded, { prefixToStrip: 'module.' });
    assert.deepEqual([...stripped.keys()], expected.sequentialKeys);
    for (const [name, tensor] of Object.entries(expected.sequential)) assertMatchesPython(stripped.get(name), tensor, name);
  });

  test('an nn.Parameter loads as its tensor', (t) => {
    if (!requirePython(t, ['torch', 'numpy'])) return;
    const { dir } = loadTorchFixtures();
    const loaded = readTorchCheckpoint(path.join(dir, 'parameter.pt')) as Record<string, TensorRecord>;
    assert.deepEqual(loaded.weight.shape, [2, 2]);
    assert.deepEqual([...new Float32Array(loaded.weight.bytes.slice().buffer)], [1, 1, 1, 1]);
  });

  const rejected: [string, RegExp][] = [
    ['legacy.pt', /legacy torch\.save format \(pre-1\.6\) is not supported; re-save with torch\.save\(obj, path\)/],
    ['script.pt', /TorchScript archive/],
    ['namespace.pt', /unsupported global 'argparse\.Namespace'/],
  ];
  for (const [file, pattern] of rejected) {
    test(`${file} is rejected with a clear error`, (t) => {
      if (!requirePython(t, ['torch', 'numpy'])) return;
      const checkpoint = path.join(loadTorchFixtures().dir, file);
      assert.throws(
        () => readTorchCheckpoint(checkpoint),
        (error: Error) => error.message.includes(checkpoint) && pattern.test(error.message),
      );
    });
  }

  test('a truncated checkpoint is rejected naming the file', (t) => {
    if (!requirePython(t, ['torch', 'numpy'])) return;
    const source = path.join(loadTorchFixtures().dir, 'sequential.pt');
    const cut = tmpPath('cut.pt');
    fs.writeFileSync(cut, fs.readFileSync(source).subarray(0, 700));
    assert.throws(() => readTorchCheckpoint(cut), (error: Error) => error.message.includes(cut) && /truncated/.test(error.message));
  });
});
