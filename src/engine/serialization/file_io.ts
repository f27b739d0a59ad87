import * as fs from 'node:fs';

/**
 * Reads a whole file into a fresh Uint8Array that owns its ArrayBuffer from offset 0, so that
 * zero-copy subarrays keep the file's natural alignment (and files over 2 GiB still load).
 */
export function readWholeFile(path: string): Uint8Array {
  const fd = fs.openSync(path, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const bytes = new Uint8Array(size);
    let filled = 0;
    while (filled < size) {
      const read = fs.readSync(fd, bytes, filled, Math.min(size - filled, 1 << 30), filled);
      if (read === 0) throw new Error(`${path}: file shrank while being read (${filled} of ${size} bytes)`);
      filled += read;
    }
    return bytes;
  } finally {
    fs.closeSync(fd);
  }
}

/** Writes `chunks` to `path.tmp-<pid>`, syncs, then renames over `path`, so readers never see a partial file. */
export function writeFileAtomic(path: string, chunks: Iterable<Uint8Array>): void {
  const tmpPath = `${path}.tmp-${process.pid}`;
  try {
    const fd = fs.openSync(tmpPath, 'w');
    try {
      for (const chunk of chunks) {
        let written = 0;
        while (written < chunk.byteLength) {
          written += fs.writeSync(fd, chunk, written, chunk.byteLength - written);
        }
      }
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmpPath, path);
  } catch (error) {
    fs.rmSync(tmpPath, { force: true });
    throw error;
  }
}
