import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import * as zlib from 'node:zlib';

import { ZipArchive } from '../../src/engine/serialization/zip.js';
import { requirePython, runPython } from '../helpers/env.js';

const LABEL = 'test-archive.zip';
const U32_OVERFLOW = 0xffffffff;

interface FileSpec {
  name: string;
  data: Uint8Array;
  method: 'stored' | 'deflate';
}

/** A minimal ZIP writer; with `zip64` every size, offset and count goes through the ZIP64 structures. */
function buildZip(files: FileSpec[], zip64: boolean): Buffer {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  const push = (part: Buffer) => {
    parts.push(part);
    offset += part.length;
  };
  for (const file of files) {
    const name = Buffer.from(file.name, 'utf8');
    const payload = file.method === 'deflate' ? zlib.deflateRawSync(file.data) : Buffer.from(file.data);
    const method = file.method === 'deflate' ? 8 : 0;
    const crc = zlib.crc32(file.data) >>> 0;
    const localOffset = offset;

    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(45, 4);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(payload.length, 18);
    local.writeUInt32LE(file.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    push(Buffer.concat([local, name, payload]));

    const extra = Buffer.alloc(zip64 ? 28 : 0);
    if (zip64) {
      extra.writeUInt16LE(0x0001, 0);
      extra.writeUInt16LE(24, 2);
      extra.writeBigUInt64LE(BigInt(file.data.length), 4);
      extra.writeBigUInt64LE(BigInt(payload.length), 12);
      extra.writeBigUInt64LE(BigInt(localOffset), 20);
    }
    const header = Buffer.alloc(46);
    header.writeUInt32LE(0x02014b50, 0);
    header.writeUInt16LE(45, 4);
    header.writeUInt16LE(45, 6);
    header.writeUInt16LE(method, 10);
    header.writeUInt32LE(crc, 16);
    header.writeUInt32LE(zip64 ? U32_OVERFLOW : payload.length, 20);
    header.writeUInt32LE(zip64 ? U32_OVERFLOW : file.data.length, 24);
    header.writeUInt16LE(name.length, 28);
    header.writeUInt16LE(extra.length, 30);
    header.writeUInt32LE(zip64 ? U32_OVERFLOW : localOffset, 42);
    central.push(Buffer.concat([header, name, extra]));
  }
  const directory = Buffer.concat(central);
  const directoryOffset = offset;
  push(directory);

  if (zip64) {
    const zip64End = Buffer.alloc(56);
    zip64End.writeUInt32LE(0x06064b50, 0);
    zip64End.writeBigUInt64LE(44n, 4);
    zip64End.writeBigUInt64LE(BigInt(files.length), 24);
    zip64End.writeBigUInt64LE(BigInt(files.length), 32);
    zip64End.writeBigUInt64LE(BigInt(directory.length), 40);
    zip64End.writeBigUInt64LE(BigInt(directoryOffset), 48);
    const locator = Buffer.alloc(20);
    locator.writeUInt32LE(0x07064b50, 0);
    locator.writeBigUInt64LE(BigInt(offset), 8);
    locator.writeUInt32LE(1, 16);
    push(Buffer.concat([zip64End, locator]));
  }
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(zip64 ? 0xffff : files.length, 8);
  end.writeUInt16LE(zip64 ? 0xffff : files.length, 10);
  end.writeUInt32LE(zip64 ? U32_OVERFLOW : directory.length, 12);
  end.writeUInt32LE(zip64 ? U32_OVERFLOW : directoryOffset, 16);
  push(end);
  return Buffer.concat(parts);
}

const text = (value: string) => new TextEncoder().encode(value);
const FILES: FileSpec[] = [
  { name: 'archive/data.pkl', data: text('stored entry'), method: 'stored' },
  { name: 'archive/data/0', data: text('deflated entry '.repeat(50)), method: 'deflate' },
];

function assertReadsFiles(archive: ZipArchive): void {
  assert.deepEqual([...archive.entries.keys()], FILES.map((file) => file.name));
  for (const file of FILES) assert.deepEqual(archive.read(file.name), file.data);
}

function assertFailsNamingArchive(action: () => unknown, pattern: RegExp): void {
  assert.throws(action, (error: Error) => error.message.includes(LABEL) && pattern.test(error.message));
}

test('reads stored and deflated entries; stored ones without copying', () => {
  const bytes = new Uint8Array(buildZip(FILES, false));
  const archive = new ZipArchive(bytes, LABEL);
  assertReadsFiles(archive);
  assert.equal(archive.read('archive/data.pkl').buffer, bytes.buffer);
});

test('reads ZIP64 sizes, offsets and end of central directory', () => {
  assertReadsFiles(new ZipArchive(buildZip(FILES, true), LABEL));
});

test('reads an archive written by Python zipfile', (t) => {
  if (!requirePython(t, ['zipfile'])) return;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smit-zip-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'python.zip');
  const script = `
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w") as z:
    z.comment = b"written by python"
    z.writestr("archive/data.pkl", "stored entry", compress_type=zipfile.ZIP_STORED)
    z.writestr("archive/data/0", "deflated entry " * 50, compress_type=zipfile.ZIP_DEFLATED)
`;
  runPython(script, { args: [file] });
  assertReadsFiles(new ZipArchive(fs.readFileSync(file), LABEL));
});

test('detects corrupt data through CRC-32', () => {
  const bytes = buildZip(FILES, false);
  bytes[30 + 'archive/data.pkl'.length] ^= 0xff;
  const archive = new ZipArchive(bytes, LABEL);
  assertFailsNamingArchive(() => archive.read('archive/data.pkl'), /CRC-32/);
});

test('rejects truncated archives, missing entries and unknown compression', () => {
  const bytes = buildZip(FILES, false);
  assertFailsNamingArchive(() => new ZipArchive(bytes.subarray(0, 40), LABEL), /no end of central directory/);
  assertFailsNamingArchive(() => new ZipArchive(bytes, LABEL).read('archive/version'), /missing entry 'archive\/version'/);

  const bzip2 = Buffer.from(bytes);
  const firstCentralHeader = bzip2.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
  bzip2.writeUInt16LE(12, firstCentralHeader + 10);
  assertFailsNamingArchive(() => new ZipArchive(bzip2, LABEL).read('archive/data.pkl'), /unsupported compression method 12/);
});
