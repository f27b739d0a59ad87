import { readFile, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import { DataError } from '../data_error.js';

const gunzipAsync = promisify(gunzip);
const gzipAsync = promisify(gzip);

function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * One output chunk that holds the whole file: zlib then returns that chunk
 * itself, where its default 16 KiB chunks would be joined into a second copy
 * (twice the memory, and thousands of small heap blocks). The size comes from
 * the gzip trailer (ISIZE, the length modulo 2^32), so it is only a hint: it
 * is used when deflate could have produced it (at most ~1032:1) and it fits a
 * Buffer; a wrong hint costs memory, never correctness.
 */
function outputChunkSize(gz: Uint8Array): number | undefined {
  if (gz.length < 18) return undefined;
  const isize = new DataView(gz.buffer, gz.byteOffset + gz.length - 4, 4).getUint32(0, true);
  const fits = isize > 0 && isize <= gz.length * 1032 && isize <= 2 ** 31 - 1024 * 1024;
  return fits ? isize + 1024 : undefined;
}

/** The file's bytes, decompressed when they are gzip data (detected by content, not by name). */
export async function readFileBytes(path: string): Promise<Uint8Array> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new DataError(path, code === 'ENOENT' ? 'file not found' : `cannot read file (${code ?? error})`, { cause: error });
  }
  if (!isGzip(bytes)) return bytes;
  try {
    return await gunzipAsync(bytes, { chunkSize: outputChunkSize(bytes) });
  } catch (error) {
    const reason = (error as Error).message;
    const truncated = /unexpected end of file/i.test(reason);
    throw new DataError(path, `${truncated ? 'truncated' : 'corrupt'} gzip data (${reason})`, { cause: error });
  }
}

/** Writes the bytes, gzip-compressed when the path ends in .gz. */
export async function writeFileBytes(path: string, bytes: Uint8Array): Promise<void> {
  const out = path.toLowerCase().endsWith('.gz') ? await gzipAsync(bytes, { level: 6 }) : bytes;
  await writeFile(path, out);
}
