import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { readSafetensors, writeSafetensors } from '../../src/engine/serialization/safetensors.js';
import type { TensorRecord } from '../../src/engine/serialization/record.js';
import { makeTempDir } from '../helpers/temp_dir.js';

const dir = makeTempDir('smit-checksum-');
const record = (values: number[]): TensorRecord => ({ dtype: 'float32', shape: [values.length], bytes: new Uint8Array(Float32Array.from(values).buffer) });

function written(name: string): { path: string; bytes: Buffer; dataStart: number } {
  const path = join(dir, name);
  writeSafetensors(path, [['a', record([1, 2, 3])], ['b', record([4, 5])]], { note: 'kept' });
  const bytes = readFileSync(path);
  return { path, bytes, dataStart: 8 + Number(bytes.readBigUInt64LE(0)) };
}

test('the writer stores a CRC-32 of the data section; the reader checks it and returns the metadata without it', () => {
  const { path, bytes, dataStart } = written('good.safetensors');
  const header = JSON.parse(bytes.subarray(8, dataStart).toString('utf8'));
  assert.match(header.__metadata__.data_crc32, /^[0-9a-f]{8}$/);
  assert.deepEqual(readSafetensors(path).metadata, { note: 'kept' });
});

test('one flipped bit in the data section fails the load, naming the file', () => {
  const { path, bytes, dataStart } = written('flipped.safetensors');
  for (const offset of [dataStart, bytes.length - 1]) {
    const copy = Buffer.from(bytes);
    copy[offset] ^= 0x10;
    writeFileSync(path, copy);
    assert.throws(() => readSafetensors(path), (error: Error) => {
      assert.ok(error.message.includes(path), error.message);
      assert.match(error.message, /checksum mismatch: the file is corrupt or was modified/);
      return true;
    });
  }
});

test('files from other writers, without a checksum, still load', () => {
  const { path, bytes, dataStart } = written('foreign.safetensors');
  const header = JSON.parse(bytes.subarray(8, dataStart).toString('utf8'));
  delete header.__metadata__.data_crc32;
  const text = Buffer.from(JSON.stringify(header));
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(text.length));
  writeFileSync(path, Buffer.concat([length, text, bytes.subarray(dataStart)]));
  assert.deepEqual([...readSafetensors(path).tensors.keys()], ['a', 'b']);
});

test('the checksum key is reserved, and a zip (.pt) file is named as such', () => {
  assert.throws(() => writeSafetensors(join(dir, 'r.safetensors'), [['a', record([1])]], { data_crc32: '0' }), /'data_crc32' is reserved/);
  const pt = join(dir, 'model.pt');
  writeFileSync(pt, Buffer.concat([Buffer.from('PK\x03\x04', 'latin1'), Buffer.alloc(40)]));
  assert.throws(() => readSafetensors(pt), new RegExp(`${pt}: it is a zip archive \\(a PyTorch \\.pt checkpoint\\?\\)`));
});
