import * as zlib from 'node:zlib';

/** A read-only ZIP archive over an in-memory buffer: stored and deflated entries, ZIP64 included. */

const LOCAL_HEADER_SIGNATURE = 0x04034b50;
const CENTRAL_HEADER_SIGNATURE = 0x02014b50;
const END_OF_CENTRAL_DIRECTORY_SIGNATURE = 0x06054b50;
const ZIP64_LOCATOR_SIGNATURE = 0x07064b50;
const ZIP64_END_SIGNATURE = 0x06064b50;
const ZIP64_EXTRA_FIELD_ID = 0x0001;
const END_OF_CENTRAL_DIRECTORY_BYTES = 22;
const ZIP64_LOCATOR_BYTES = 20;
const MAX_COMMENT_BYTES = 0xffff;
const U16_OVERFLOW = 0xffff;
const U32_OVERFLOW = 0xffffffff;
const METHOD_STORED = 0;
const METHOD_DEFLATE = 8;
const FLAG_ENCRYPTED = 0x1;

export interface ZipEntry {
  name: string;
  method: number;
  flags: number;
  crc32: number;
  compressedSize: number;
  uncompressedSize: number;
  localHeaderOffset: number;
}

export function looksLikeZip(bytes: Uint8Array): boolean {
  return bytes.byteLength >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

export class ZipArchive {
  /** Entries by name, in central directory order. */
  readonly entries: ReadonlyMap<string, ZipEntry>;
  private readonly bytes: Uint8Array;
  private readonly view: DataView;

  constructor(
    bytes: Uint8Array,
    private readonly label: string,
  ) {
    // A plain Uint8Array view, so that entries come back as Uint8Array even when given a Buffer.
    this.bytes = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.entries = this.readCentralDirectory();
  }

  /** The entry's uncompressed bytes; stored entries are zero-copy subarrays of the archive buffer. */
  read(name: string): Uint8Array {
    const entry = this.entries.get(name);
    if (entry === undefined) throw this.error(`missing entry '${name}'`);
    if (entry.flags & FLAG_ENCRYPTED) throw this.error(`entry '${name}' is encrypted`);

    const local = entry.localHeaderOffset;
    this.requireRange(local, 30, `local header of '${name}'`);
    if (this.view.getUint32(local, true) !== LOCAL_HEADER_SIGNATURE) throw this.error(`bad local header signature for '${name}'`);
    const dataStart = local + 30 + this.view.getUint16(local + 26, true) + this.view.getUint16(local + 28, true);
    this.requireRange(dataStart, entry.compressedSize, `data of '${name}'`);
    const raw = this.bytes.subarray(dataStart, dataStart + entry.compressedSize);

    let data: Uint8Array;
    if (entry.method === METHOD_STORED) {
      data = raw;
    } else if (entry.method === METHOD_DEFLATE) {
      const inflated = zlib.inflateRawSync(raw);
      // zlib may hand back a slice of a shared pool; copy so typed-array views stay aligned.
      data =
        inflated.byteOffset % 8 === 0
          ? new Uint8Array(inflated.buffer, inflated.byteOffset, inflated.byteLength)
          : Uint8Array.from(inflated);
    } else {
      throw this.error(`entry '${name}' uses unsupported compression method ${entry.method}`);
    }
    if (data.byteLength !== entry.uncompressedSize) {
      throw this.error(`entry '${name}' has ${data.byteLength} bytes, central directory says ${entry.uncompressedSize}`);
    }
    if (zlib.crc32(data) >>> 0 !== entry.crc32) throw this.error(`entry '${name}' fails its CRC-32 check (corrupt file?)`);
    return data;
  }

  private readCentralDirectory(): Map<string, ZipEntry> {
    const end = this.findEndOfCentralDirectory();
    let entryCount: number = this.view.getUint16(end + 10, true);
    let directorySize: number = this.view.getUint32(end + 12, true);
    let directoryOffset: number = this.view.getUint32(end + 16, true);
    if (this.view.getUint16(end + 4, true) !== 0 || this.view.getUint16(end + 6, true) !== 0) {
      throw this.error('multi-disk archives are not supported');
    }

    if (entryCount === U16_OVERFLOW || directorySize === U32_OVERFLOW || directoryOffset === U32_OVERFLOW) {
      const locator = end - ZIP64_LOCATOR_BYTES;
      if (locator >= 0 && this.view.getUint32(locator, true) === ZIP64_LOCATOR_SIGNATURE) {
        const zip64End = this.readU64(locator + 8, 'ZIP64 end of central directory offset');
        this.requireRange(zip64End, 56, 'ZIP64 end of central directory');
        if (this.view.getUint32(zip64End, true) !== ZIP64_END_SIGNATURE) {
          throw this.error('bad ZIP64 end of central directory signature');
        }
        entryCount = this.readU64(zip64End + 32, 'ZIP64 entry count');
        directorySize = this.readU64(zip64End + 40, 'ZIP64 central directory size');
        directoryOffset = this.readU64(zip64End + 48, 'ZIP64 central directory offset');
      }
    }
    this.requireRange(directoryOffset, directorySize, 'central directory');

    const entries = new Map<string, ZipEntry>();
    const decoder = new TextDecoder();
    let cursor = directoryOffset;
    for (let index = 0; index < entryCount; index++) {
      this.requireRange(cursor, 46, 'central directory entry');
      if (this.view.getUint32(cursor, true) !== CENTRAL_HEADER_SIGNATURE) {
        throw this.error(`bad central directory signature at offset ${cursor}`);
      }
      const nameLength = this.view.getUint16(cursor + 28, true);
      const extraLength = this.view.getUint16(cursor + 30, true);
      const commentLength = this.view.getUint16(cursor + 32, true);
      this.requireRange(cursor + 46, nameLength + extraLength, 'central directory entry');
      const name = decoder.decode(this.bytes.subarray(cursor + 46, cursor + 46 + nameLength));
      const entry: ZipEntry = {
        name,
        flags: this.view.getUint16(cursor + 8, true),
        method: this.view.getUint16(cursor + 10, true),
        crc32: this.view.getUint32(cursor + 16, true),
        compressedSize: this.view.getUint32(cursor + 20, true),
        uncompressedSize: this.view.getUint32(cursor + 24, true),
        localHeaderOffset: this.view.getUint32(cursor + 42, true),
      };
      this.applyZip64Extra(entry, cursor + 46 + nameLength, extraLength);
      entries.set(name, entry);
      cursor += 46 + nameLength + extraLength + commentLength;
    }
    return entries;
  }

  private findEndOfCentralDirectory(): number {
    const last = this.bytes.byteLength - END_OF_CENTRAL_DIRECTORY_BYTES;
    const first = Math.max(0, last - MAX_COMMENT_BYTES);
    for (let offset = last; offset >= first; offset--) {
      if (this.view.getUint32(offset, true) === END_OF_CENTRAL_DIRECTORY_SIGNATURE) return offset;
    }
    throw this.error('no end of central directory record (truncated file?)');
  }

  /** The ZIP64 extra field holds 64-bit values, in this order, for exactly the fields that overflowed. */
  private applyZip64Extra(entry: ZipEntry, start: number, length: number): void {
    const overflowed = (['uncompressedSize', 'compressedSize', 'localHeaderOffset'] as const).filter(
      (field) => entry[field] === U32_OVERFLOW,
    );
    if (overflowed.length === 0) return;
    for (let field = start; field + 4 <= start + length; ) {
      const id = this.view.getUint16(field, true);
      const size = this.view.getUint16(field + 2, true);
      if (id === ZIP64_EXTRA_FIELD_ID) {
        if (size < overflowed.length * 8) throw this.error(`ZIP64 extra field of '${entry.name}' is too short`);
        overflowed.forEach((key, index) => {
          entry[key] = this.readU64(field + 4 + index * 8, `ZIP64 ${key} of '${entry.name}'`);
        });
        return;
      }
      field += 4 + size;
    }
    throw this.error(`entry '${entry.name}' needs a ZIP64 extra field but has none`);
  }

  private readU64(offset: number, what: string): number {
    const value = this.view.getBigUint64(offset, true);
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw this.error(`${what} ${value} is too large`);
    return Number(value);
  }

  private requireRange(offset: number, length: number, what: string): void {
    if (offset < 0 || offset + length > this.bytes.byteLength) {
      throw this.error(`${what} at offset ${offset} (+${length} bytes) lies beyond the end of the file (truncated file?)`);
    }
  }

  private error(detail: string): Error {
    return new Error(`invalid zip archive ${this.label}: ${detail}`);
  }
}
