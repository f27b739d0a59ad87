import { createReadStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { Readable, pipeline } from 'node:stream';
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

/**
 * The file's bytes in order, in pieces of up to 1 MiB, decompressed as they
 * are read when they are gzip data (detected by content, not by name). The
 * whole stream is checked: a gzip file's length and CRC are verified at its end.
 */
export async function* readFileChunks(path: string): AsyncGenerator<Uint8Array> {
  const file = createReadStream(path, { highWaterMark: CHUNK_BYTES });
  const reads = file[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let first: IteratorResult<Buffer>;
  try {
    first = await reads.next();
  } catch (error) {
    throw readError(path, error);
  }
  if (first.done) return;
  const head = first.value;
  const rest: AsyncIterable<Buffer> = { [Symbol.asyncIterator]: () => reads };
  if (!isGzip(head)) {
    yield head;
    try {
      for await (const chunk of rest) yield chunk;
    } catch (error) {
      throw readError(path, error);
    }
    return;
  }
  async function* compressed(): AsyncGenerator<Buffer> {
    yield head;
    yield* rest;
  }
  const inflated = pipeline(Readable.from(compressed()), createGunzip({ chunkSize: CHUNK_BYTES }), () => {});
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
