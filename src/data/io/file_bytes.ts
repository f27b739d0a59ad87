import { readFile, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import { DataError } from '../data_error.js';

const gunzipAsync = promisify(gunzip);
const gzipAsync = promisify(gzip);

function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
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
    return await gunzipAsync(bytes);
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
