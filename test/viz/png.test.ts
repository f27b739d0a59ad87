import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { encodePng, writePng } from '../../src/viz/png.js';
import { decodePng } from './helpers/decode_png.js';

const dir = mkdtempSync(join(tmpdir(), 'smit-viz-png-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function randomBytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
  return out;
}

describe('encodePng', () => {
  for (const [width, height, channels] of [[1, 1, 3], [7, 3, 3], [5, 9, 4], [64, 33, 4]] as const) {
    test(`${width}×${height} with ${channels} channels decodes to the same pixels`, () => {
      const pixels = randomBytes(width * height * channels, width * 31 + height);
      const decoded = decodePng(encodePng(width, height, pixels, channels));
      assert.equal(decoded.width, width);
      assert.equal(decoded.height, height);
      assert.equal(decoded.channels, channels);
      assert.deepEqual(decoded.pixels, pixels);
      assert.deepEqual(decoded.chunkTypes, ['IHDR', 'IDAT', 'IEND']);
    });
  }

  test('rejects a pixel buffer of the wrong length, bad sizes and bad channel counts', () => {
    assert.throws(() => encodePng(2, 2, new Uint8Array(11), 3), /needs 12 bytes, got 11/);
    assert.throws(() => encodePng(0, 2, new Uint8Array(0), 3), RangeError);
    assert.throws(() => encodePng(1.5, 2, new Uint8Array(9), 3), RangeError);
    assert.throws(() => encodePng(1, 1, new Uint8Array(2), 2 as 3), /channels must be 3 or 4/);
  });
});

describe('writePng', () => {
  test('writes a decodable file, creating folders and leaving no temporary file', () => {
    const path = join(dir, 'nested', 'deeper', 'image.png');
    const pixels = randomBytes(4 * 6 * 3, 9);
    writePng(path, 4, 6, pixels, 3);
    assert.deepEqual(decodePng(readFileSync(path)).pixels, pixels);
    writePng(path, 4, 6, pixels.map((v) => 255 - v), 3);
    assert.deepEqual(decodePng(readFileSync(path)).pixels, pixels.map((v) => 255 - v));
    assert.deepEqual(readdirSync(join(dir, 'nested', 'deeper')), ['image.png']);
  });

  test('leaves an existing file untouched when encoding fails', () => {
    const path = join(dir, 'kept.png');
    writePng(path, 1, 1, Uint8Array.of(1, 2, 3), 3);
    assert.throws(() => writePng(path, 1, 1, Uint8Array.of(1, 2), 3), RangeError);
    assert.deepEqual(decodePng(readFileSync(path)).pixels, Uint8Array.of(1, 2, 3));
    assert.deepEqual(readdirSync(dir).sort(), ['kept.png', 'nested']);
  });
});
