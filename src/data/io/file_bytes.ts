import { createReadStream } from 'node:fs';
import { open, writeFile } from 'node:fs/promises';
import { pipeline } from 'node:stream';
import { promisify } from 'node:util';
import { createGunzip, gzip } from 'node:zlib';
import { DataError } from '../data_error.js';

const gzipAsync = promisify(gzip);

/** Read and inflate in pieces of this size: a volume is never held whole in its file's form. */
const CHUNK_BYTES = 1 << 20;

function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

function readError(path: string, error: unknown): DataError {
  const code = (error as NodeJS.ErrnoException).code;
  return new DataError(path, code === 'ENOENT' ? 'file not found' : `cannot read file (${code ?? error})`, { cause: error });
}

/** Deflate expands data by at most about 1032:1. */
const MAX_DEFLATE_RATIO = 1032;

export interface FileChunks {
  /** The most bytes the chunks can add up to (the file's size, or what deflate can expand it to), and those words for an error. */
  limit: { bytes: number; description: string };
  /** The file's bytes in order, in pieces of up to 1 MiB, decompressed as they are read when the file is gzip data. */
  chunks: AsyncIterable<Uint8Array>;
}

/**
 * Opens a file to be read in pieces, decompressed as it is read when it holds
 * gzip data (detected by content, not by name). The whole stream is checked:
 * a gzip file's length and CRC are verified at its end.
 */
export async function openFileChunks(path: string): Promise<FileChunks> {
  let size: number;
  const magic = new Uint8Array(2);
  try {
    const handle = await open(path, 'r');
    try {
      size = (await handle.stat()).size;
      await handle.read(magic, 0, 2, 0);
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw readError(path, error);
  }
  if (size >= 2 && isGzip(magic)) {
    const bytes = size * MAX_DEFLATE_RATIO;
    return { limit: { bytes, description: `the gzip file (${size} bytes) inflates to at most ${bytes}` }, chunks: inflatedChunks(path) };
  }
  return { limit: { bytes: size, description: `the file has ${size}` }, chunks: plainChunks(path) };
}

async function* plainChunks(path: string): AsyncGenerator<Uint8Array> {
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: CHUNK_BYTES })) yield chunk as Buffer;
  } catch (error) {
    throw readError(path, error);
  }
}

async function* inflatedChunks(path: string): AsyncGenerator<Uint8Array> {
  const file = createReadStream(path, { highWaterMark: CHUNK_BYTES });
  const inflated = pipeline(file, createGunzip({ chunkSize: CHUNK_BYTES }), () => {});
  try {
    for await (const chunk of inflated as AsyncIterable<Buffer>) yield chunk;
  } catch (error) {
    const zlibCode = (error as NodeJS.ErrnoException).code;
    if (!zlibCode?.startsWith('Z_')) throw readError(path, error);
    const reason = (error as Error).message;
    const truncated = /unexpected end of file/i.test(reason);
    throw new DataError(path, `${truncated ? 'truncated' : 'corrupt'} gzip data (${reason})`, { cause: error });
  } finally {
    file.destroy();
  }
}

/** Writes the bytes, gzip-compressed when the path ends in .gz. */
export async function writeFileBytes(path: string, bytes: Uint8Array): Promise<void> {
  const out = path.toLowerCase().endsWith('.gz') ? await gzipAsync(bytes, { level: 6 }) : bytes;
  await writeFile(path, out);
}
