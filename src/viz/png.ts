// Minimal PNG writer: 8-bit truecolour (RGB) or truecolour with alpha (RGBA),
// no interlacing, every scanline stored with filter type 0 (None).
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';

const SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);
const COLOR_TYPE = { 3: 2, 4: 6 } as const;

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  out.set(data, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/**
 * PNG file bytes for a `width`×`height` image whose `pixels` are row-major,
 * top row first, `channels` bytes per pixel (3 = RGB, 4 = RGBA).
 */
export function encodePng(width: number, height: number, pixels: Uint8Array, channels: 3 | 4): Buffer {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`PNG size must be positive integers, got ${width}×${height}`);
  }
  if (channels !== 3 && channels !== 4) throw new RangeError(`PNG channels must be 3 or 4, got ${channels}`);
  const stride = width * channels;
  if (pixels.length !== stride * height) {
    throw new RangeError(`${width}×${height}×${channels} image needs ${stride * height} bytes, got ${pixels.length}`);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8;
  header[9] = COLOR_TYPE[channels];
  // Bytes 10–12 (compression, filter method, interlace) stay 0.
  const scanlines = Buffer.alloc((stride + 1) * height);
  for (let y = 0; y < height; y++) {
    scanlines.set(pixels.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  }
  return Buffer.concat([
    SIGNATURE,
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(scanlines)),
    chunk('IEND', new Uint8Array(0)),
  ]);
}

/**
 * Writes `encodePng(...)` to `path`, creating its folder. The bytes go to a
 * temporary file that is then renamed over `path`, so a viewer polling the
 * file during training never sees a half-written image.
 */
export function writePng(path: string, width: number, height: number, pixels: Uint8Array, channels: 3 | 4): void {
  const bytes = encodePng(width, height, pixels, channels);
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(temporary, bytes);
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}
