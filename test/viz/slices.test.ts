import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { labelColor } from '../../src/viz/palette.js';
import type { RgbImage } from '../../src/viz/raster.js';
import { type SlicePanel, centralSlices, renderSliceMontage, writeSliceMontage } from '../../src/viz/slices.js';
import { decodePng } from './helpers/decode_png.js';
import { type Color, boundingBox, findPixels, pixelAt, sameColor } from './helpers/pixels.js';

const BACKGROUND: Color = [17, 17, 17];
const grey = (v: number): Color => [v, v, v];

/** A montage of the one panel, with no text, and the panel's top-left corner in it. */
function single(panel: Omit<SlicePanel, 'label'>, scale: number): { image: RgbImage; left: number; top: number } {
  const image = renderSliceMontage({ rows: [{ title: '', panels: [{ label: '', ...panel }] }], scale });
  const box = boundingBox(findPixels(image, (c) => !sameColor(c, BACKGROUND)));
  assert.equal(box.width, panel.width * scale);
  assert.equal(box.height, panel.height * scale);
  return { image, left: box.left, top: box.top };
}

const count = (image: RgbImage, color: Color) => findPixels(image, (c) => sameColor(c, color)).length;

describe('renderSliceMontage', () => {
  test('maps an explicit range to black…white and enlarges by the scale', () => {
    const { image, left, top } = single({ data: Float32Array.of(0, 10, 20, 30, -5, 40), width: 6, height: 1, range: [0, 30] }, 3);
    assert.deepEqual([0, 1, 2, 3, 4, 5].map((x) => pixelAt(image, left + 3 * x + 1, top + 1)), [0, 85, 170, 255, 0, 255].map(grey));
    assert.equal(count(image, grey(85)), 9);
    assert.equal(count(image, grey(0)), 18);
  });

  test('windows to the 1st–99th percentile by default', () => {
    const data = Float32Array.from({ length: 100 }, (_, i) => i);
    const { image, left, top } = single({ data, width: 10, height: 10 }, 2);
    const at = (v: number) => pixelAt(image, left + 2 * (v % 10), top + 2 * Math.floor(v / 10))[0];
    // Percentiles of 0…99 by linear interpolation: 0.99 and 98.01.
    assert.equal(at(0), 0);
    assert.equal(at(99), 255);
    assert.equal(at(50), Math.round((255 * (50 - 0.99)) / (98.01 - 0.99)));
    assert.equal(at(1), 0);
    assert.equal(at(98), 255);
  });

  test('shows a flat panel mid-grey and non-finite values in magenta', () => {
    const flat = single({ data: new Float32Array(4).fill(7), width: 2, height: 2 }, 1);
    assert.deepEqual(pixelAt(flat.image, flat.left, flat.top), grey(128));
    const broken = single({ data: Float32Array.of(0, NaN, 1, Infinity), width: 4, height: 1 }, 1);
    assert.deepEqual(pixelAt(broken.image, broken.left + 1, broken.top), [255, 0, 255]);
    assert.deepEqual(pixelAt(broken.image, broken.left + 3, broken.top), [255, 0, 255]);
  });

  test('tints overlay labels and outlines them at full strength', () => {
    const overlay = new Uint8Array(64);
    for (let y = 2; y < 6; y++) for (let x = 2; x < 6; x++) overlay[y * 8 + x] = y < 4 ? 1 : 2;
    const { image, left, top } = single({ data: new Float32Array(64), width: 8, height: 8, range: [0, 1], overlay: { data: overlay, width: 8, height: 8 } }, 4);
    const at = (x: number, y: number) => pixelAt(image, left + x, top + y);
    const tint = (label: number) => labelColor(label).map((c) => Math.round(c * 0.4));
    assert.deepEqual(at(4 * 3, 4 * 2 + 2), tint(1), 'inside label 1');
    assert.deepEqual(at(4 * 3, 4 * 5 + 1), tint(2), 'inside label 2');
    assert.deepEqual(at(4 * 2, 4 * 3), labelColor(1), 'left edge of label 1');
    assert.deepEqual(at(4 * 3, 4 * 4 - 1), labelColor(1), 'label 1 where it meets label 2');
    assert.deepEqual(at(4 * 3, 4 * 4), labelColor(2), 'label 2 where it meets label 1');
    assert.deepEqual(at(4, 4), grey(0), 'outside the labels');
  });

  test("shows a 'labels' panel in label colours", () => {
    const { image, left, top } = single({ data: Float32Array.of(0, 1, 2, 21), width: 4, height: 1, colormap: 'labels' }, 1);
    assert.deepEqual([0, 1, 2, 3].map((x) => pixelAt(image, left + x, top)), [grey(0), labelColor(1), labelColor(2), labelColor(1)]);
  });

  test('lays rows and columns out without overlap, sized by the largest panels', () => {
    const panel = (label: string, width: number, height: number, value: number): SlicePanel => ({
      label,
      data: new Float32Array(width * height).fill(value),
      width,
      height,
      range: [0, 4],
    });
    const rows = [
      { title: 'axial', panels: [panel('input', 30, 20, 1), panel('prediction', 10, 10, 2)] },
      { title: 'coronal', panels: [panel('input', 12, 25, 3)] },
    ];
    const image = renderSliceMontage({ rows, scale: 2, title: 'step 10' });
    const boxes = [1, 2, 3].map((v) => boundingBox(findPixels(image, (c) => sameColor(c, grey(Math.round((255 * v) / 4))))));
    assert.deepEqual(boxes.map((b) => [b.width, b.height]), [[60, 40], [20, 20], [24, 50]]);
    assert.ok(boxes[1].left >= boxes[0].left + 60, 'second column right of the first');
    assert.ok(boxes[2].top >= boxes[0].top + 40 + 20, 'second row below the first, with room for its title and labels');
    assert.ok(boxes[0].top >= 30, 'montage title, row title and labels above the first row');
    assert.ok(image.width >= 60 + 20 && image.width < 60 + 20 + 60);
    assert.ok(Math.abs(boxes[2].left + 12 - (boxes[0].left + 30)) <= 1, 'narrow panel centred in its column');
  });

  test('enlarges small panels to at least 160 pixels by default', () => {
    const image = renderSliceMontage({ rows: [{ title: '', panels: [{ label: '', data: new Float32Array(32 * 20), width: 32, height: 20, range: [-1, 1] }] }] });
    const box = boundingBox(findPixels(image, (c) => sameColor(c, grey(128))));
    assert.deepEqual([box.width, box.height], [160, 100]);
  });

  test('renders an empty montage and rejects inconsistent input', () => {
    assert.ok(renderSliceMontage({ rows: [] }).width > 0);
    const data = new Float32Array(6);
    assert.throws(() => renderSliceMontage({ rows: [{ title: 'r', panels: [{ label: 'p', data, width: 4, height: 2 }] }] }), /needs 8 values, got 6/);
    assert.throws(
      () => renderSliceMontage({ rows: [{ title: 'r', panels: [{ label: 'p', data, width: 3, height: 2, overlay: { data: new Uint8Array(6), width: 2, height: 3 } }] }] }),
      /overlay is 2×3 but the panel is 3×2/,
    );
    assert.throws(() => renderSliceMontage({ rows: [], scale: 1.5 }), /scale must be a positive integer/);
  });
});

describe('writeSliceMontage', () => {
  const dir = mkdtempSync(join(tmpdir(), 'smit-viz-montage-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('writes the rendered montage as a PNG', () => {
    const options = { rows: [{ title: 'axial', panels: [{ label: 'input', data: Float32Array.of(0, 1, 2, 3), width: 2, height: 2 }] }] };
    const path = join(dir, 'snapshot.png');
    writeSliceMontage(path, options);
    const decoded = decodePng(readFileSync(path));
    const image = renderSliceMontage(options);
    assert.deepEqual([decoded.width, decoded.height], [image.width, image.height]);
    assert.deepEqual(decoded.pixels, image.rgb);
  });
});

describe('centralSlices', () => {
  const [D, H, W] = [4, 5, 6];
  const value = (d: number, h: number, w: number) => d * 100 + h * 10 + w;
  const volume = new Float32Array(D * H * W);
  for (let d = 0; d < D; d++) for (let h = 0; h < H; h++) for (let w = 0; w < W; w++) volume[(d * H + h) * W + w] = value(d, h, w);

  test('takes the middle plane of each axis, superior at the top of coronal and sagittal', () => {
    const { axial, coronal, sagittal } = centralSlices(volume, [D, H, W]);
    assert.deepEqual([axial.width, axial.height, coronal.width, coronal.height, sagittal.width, sagittal.height], [W, H, W, D, H, D]);
    for (let h = 0; h < H; h++) for (let w = 0; w < W; w++) assert.equal(axial.data[h * W + w], value(2, h, w));
    for (let row = 0; row < D; row++) {
      for (let w = 0; w < W; w++) assert.equal(coronal.data[row * W + w], value(D - 1 - row, 2, w));
      for (let h = 0; h < H; h++) assert.equal(sagittal.data[row * H + h], value(D - 1 - row, h, 3));
    }
    assert.ok(axial.data instanceof Float32Array && coronal.data instanceof Float32Array);
  });

  test('keeps a label volume as Uint8Array, ready for overlays', () => {
    const labels = Uint8Array.from(volume, (v) => v % 7);
    const { axial, coronal, sagittal } = centralSlices(labels, [D, H, W]);
    for (const plane of [axial, coronal, sagittal]) assert.ok(plane.data instanceof Uint8Array);
    assert.equal(sagittal.data[0], value(D - 1, 0, 3) % 7);
    axial.data[0] = 99;
    assert.notEqual(labels[2 * H * W], 99, 'planes are copies');
  });

  test('rejects a shape that does not match the volume', () => {
    assert.throws(() => centralSlices(volume, [4, 5, 5]), /needs 100 values, got 120/);
    assert.throws(() => centralSlices(volume, [0, 5, 6]), /invalid volume shape/);
  });
});
