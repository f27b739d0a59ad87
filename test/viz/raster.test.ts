import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Raster, lineHeight, textWidth } from '../../src/viz/raster.js';
import { boundingBox, findPixels, pixelAt, sameColor } from './helpers/pixels.js';

const BLACK = [0, 0, 0] as const;
const RED = [255, 0, 0] as const;
const isWhite = (c: readonly number[]) => sameColor(c as [number, number, number], [255, 255, 255]);
const inked = (canvas: Raster) => findPixels(canvas, (c) => !isWhite(c));

describe('Raster', () => {
  test('starts filled with the background and blends with alpha', () => {
    const canvas = new Raster(3, 2, [10, 20, 30]);
    assert.deepEqual(pixelAt(canvas, 2, 1), [10, 20, 30]);
    canvas.blend(1, 1, [110, 120, 130], 0.5);
    assert.deepEqual(pixelAt(canvas, 1, 1), [60, 70, 80]);
    canvas.blend(5, 5, RED);
    canvas.blend(-1, 0, RED);
    assert.throws(() => new Raster(0, 4), RangeError);
  });

  test('fillRect and strokeRect clip to the canvas', () => {
    const canvas = new Raster(10, 10);
    canvas.fillRect(-5, 8, 100, 100, BLACK);
    assert.deepEqual(boundingBox(inked(canvas)), { left: 0, top: 8, width: 10, height: 2 });
    const frame = new Raster(10, 10);
    frame.strokeRect(2, 3, 5, 4, BLACK);
    assert.equal(inked(frame).length, 2 * 5 + 2 * 2);
    assert.deepEqual(pixelAt(frame, 4, 4), [255, 255, 255]);
  });

  test('lines reach both ends, are solid on the axis and shaded at the edges', () => {
    const canvas = new Raster(40, 40);
    canvas.drawLine(5, 5, 30, 20, RED, 2);
    for (const t of [0, 0.25, 0.5, 1]) assert.deepEqual(pixelAt(canvas, 5 + 25 * t, 5 + 15 * t), [255, 0, 0]);
    const partial = findPixels(canvas, (c) => c[0] === 255 && c[1] > 0 && c[1] < 255);
    assert.ok(partial.length > 10, 'anti-aliased edge pixels');
    assert.deepEqual(pixelAt(canvas, 30, 5), [255, 255, 255]);
  });

  test('a polyline doubling back blends each pixel once', () => {
    const once = new Raster(30, 10);
    once.drawLine(2, 5, 25, 5, RED, 3);
    const twice = new Raster(30, 10);
    twice.strokePolyline([2, 25, 2, 25], [5, 5, 5, 5], RED, 3);
    assert.deepEqual(twice.rgb, once.rgb);
  });

  test('a single point is a round dot', () => {
    const canvas = new Raster(20, 20);
    canvas.strokePolyline([10], [10], RED, 5);
    const box = boundingBox(inked(canvas));
    assert.ok(box.width >= 5 && box.width <= 7 && box.height === box.width, JSON.stringify(box));
  });
});

describe('bitmap text', () => {
  const render = (text: string, scale = 1) => {
    const canvas = new Raster(400, 40);
    canvas.drawText(text, 3, 4, BLACK, { scale });
    return canvas;
  };

  test('covers digits, letters and the punctuation used in labels', () => {
    const missing = render('\u0001').rgb;
    const required = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz.-+e:/()%_';
    for (const char of required) assert.notDeepEqual(render(char).rgb, missing, `glyph for '${char}'`);
    assert.equal(inked(render(' ')).length, 0);
    assert.ok(textWidth(' ') > 0);
  });

  test('glyphs are distinct from one another', () => {
    const seen = new Map<string, string>();
    for (const char of '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz') {
      const key = Buffer.from(render(char).rgb).toString('base64');
      assert.equal(seen.get(key), undefined, `'${char}' looks like '${seen.get(key)}'`);
      seen.set(key, char);
    }
  });

  test('ink spans textWidth across and sits within lineHeight, descenders included', () => {
    for (const scale of [1, 2, 3]) {
      const box = boundingBox(inked(render('Loss (x1e-3): 50%', scale)));
      assert.equal(box.left, 3);
      assert.equal(box.width, textWidth('Loss (x1e-3): 50%', { scale }));
      assert.equal(box.top, 4);
      assert.ok(box.height <= lineHeight(scale));
    }
    const cap = boundingBox(inked(render('A')));
    const descender = boundingBox(inked(render('g')));
    assert.ok(descender.top + descender.height > cap.top + cap.height, "'g' descends below the baseline");
  });

  test('vertical text is the horizontal text turned a quarter counter-clockwise', () => {
    const text = 'loss';
    const horizontal = render(text, 2);
    const vertical = new Raster(40, 200);
    vertical.drawText(text, 5, 7, BLACK, { scale: 2, vertical: true });
    const box = boundingBox(inked(vertical));
    assert.equal(box.top, 7);
    assert.equal(box.height, textWidth(text, { scale: 2 }));
    const across = boundingBox(inked(horizontal));
    for (let u = 0; u < across.width; u++) {
      for (let v = 0; v < lineHeight(2); v++) {
        const ink = !isWhite(pixelAt(horizontal, 3 + u, 4 + v));
        assert.equal(!isWhite(pixelAt(vertical, 5 + v, 7 + across.width - 1 - u)), ink, `u=${u} v=${v}`);
      }
    }
  });

  test('bold widens strokes by one pixel', () => {
    const canvas = new Raster(100, 30);
    canvas.drawText('Title', 2, 2, BLACK, { scale: 2, bold: true });
    assert.equal(boundingBox(inked(canvas)).width, textWidth('Title', { scale: 2, bold: true }));
    assert.ok(inked(canvas).length > inked(render('Title', 2)).length);
  });
});
