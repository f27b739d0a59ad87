import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { type LineChartOptions, renderLineChart, writeLineChart } from '../../src/viz/line_chart.js';
import type { RgbImage } from '../../src/viz/raster.js';
import { decodePng } from './helpers/decode_png.js';
import { type Color, findPixels, pixelAt, sameColor } from './helpers/pixels.js';

const RED = [255, 0, 0] as const;
const BLUE = [0, 0, 255] as const;
/** The colour the chart frames its plot area with. */
const FRAME: Color = [120, 120, 120];
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** The plot rectangle: the columns and rows holding long runs of frame colour. */
function plotArea(image: RgbImage): { left: number; right: number; top: number; bottom: number } {
  const columns = new Array<number>(image.width).fill(0);
  const rows = new Array<number>(image.height).fill(0);
  for (const { x, y } of findPixels(image, (c) => sameColor(c, FRAME))) [columns[x]++, rows[y]++];
  const long = (counts: number[]) => counts.flatMap((n, i) => (n > 0.5 * Math.max(...counts) ? [i] : []));
  const [xs, ys] = [long(columns), long(rows)];
  return { left: xs[0], right: xs.at(-1)!, top: ys[0], bottom: ys.at(-1)! };
}

/** Maps data to pixels for axes whose ends are known: x over [x0, x1], y over [y0, y1] (log10 already applied when log). */
function mapper(image: RgbImage, [x0, x1]: [number, number], [y0, y1]: [number, number]) {
  const { left, right, top, bottom } = plotArea(image);
  return (x: number, y: number) => [left + ((x - x0) / (x1 - x0)) * (right - left), bottom - ((y - y0) / (y1 - y0)) * (bottom - top)] as const;
}

const near = (image: RgbImage, [x, y]: readonly [number, number], color: Color) => {
  for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) if (sameColor(pixelAt(image, x + dx, y + dy), color)) return true;
  return false;
};

describe('renderLineChart', () => {
  test('draws each series through its data points', () => {
    const x = range(11);
    const image = renderLineChart({
      title: 'loss',
      series: [
        { name: 'rising', x, y: x, color: RED },
        { name: 'falling', x, y: x.map((v) => 10 - v), color: '#0000ff' },
      ],
      xLabel: 'step',
      yLabel: 'loss',
    });
    assert.equal(image.width, 800);
    assert.equal(image.height, 500);
    assert.equal(image.rgb.length, 800 * 500 * 3);
    // Data spanning 0…10 gives axes ending exactly at 0 and 10 whatever the tick step.
    const at = mapper(image, [0, 10], [0, 10]);
    for (const v of [2.5, 3, 4, 6, 7.5]) {
      assert.ok(near(image, at(v, v), RED), `rising series at x=${v}`);
      assert.ok(near(image, at(v, 10 - v), BLUE), `falling series at x=${v}`);
      assert.ok(!near(image, at(v, v + 2), RED) && !near(image, at(v, 12 - v), BLUE), `nothing off the series at x=${v}`);
    }
  });

  test('skips non-finite points and joins their neighbours', () => {
    const x = range(11);
    const y = x.map(() => 5);
    y[2] = NaN;
    y[6] = Infinity;
    const xs = [...x];
    xs[8] = NaN;
    const image = renderLineChart({ series: [{ name: 'gappy', x: xs, y, color: RED }] });
    // A constant series is centred on its axis, which stays finite despite the NaN/Infinity.
    const { top, bottom } = plotArea(image);
    const at = mapper(image, [0, 10], [0, 1]);
    for (const v of [1.5, 2, 6, 8]) assert.ok(near(image, [at(v, 0)[0], (top + bottom) / 2], RED), `line across x=${v}`);
  });

  test('places a log-scale series by the logarithm of y and ignores y ≤ 0', () => {
    const x = range(11);
    const y = x.map((v) => 10 ** (-v / 2));
    y[3] = 0;
    y[7] = -1;
    const image = renderLineChart({ series: [{ name: 'loss', x, y, color: RED }], logY: true, title: 'log' });
    const at = mapper(image, [0, 10], [-5, 0]);
    for (const v of [2, 4, 5, 9]) assert.ok(near(image, at(v, -v / 2), RED), `log series at x=${v}`);
  });

  test('marks a single point at the centre of the plot', () => {
    const image = renderLineChart({ series: [{ name: 'only', x: [40], y: [0.25], color: RED }], width: 400, height: 300 });
    const { left, right, top, bottom } = plotArea(image);
    assert.ok(near(image, [(left + right) / 2, (top + bottom) / 2], RED));
  });

  test('renders empty and all-invalid charts without throwing', () => {
    const cases: LineChartOptions[] = [
      { series: [] },
      { series: [{ name: 'empty', x: [], y: [] }], title: 'nothing yet' },
      { series: [{ name: 'nan', x: [1, 2], y: [NaN, NaN], color: RED }], logY: true },
      { series: [{ name: 'non-positive', x: [1, 2], y: [0, -3], color: RED }], logY: true },
    ];
    for (const options of cases) {
      const image = renderLineChart(options);
      assert.equal(image.rgb.length, image.width * image.height * 3);
      const { left, right, top, bottom } = plotArea(image);
      assert.ok(right - left > 600 && bottom - top > 300);
    }
  });

  test('accepts typed arrays and small sizes', () => {
    const image = renderLineChart({ series: [{ name: 'a', x: Float32Array.of(0, 1, 2), y: Float64Array.of(3, 1, 2) }], width: 240, height: 160 });
    assert.equal(image.width * image.height, 240 * 160);
  });

  test('rejects mismatched series and charts too small for their labels', () => {
    assert.throws(() => renderLineChart({ series: [{ name: 'bad', x: [1, 2], y: [1] }] }), /'bad' has 2 x values but 1 y values/);
    assert.throws(() => renderLineChart({ series: [], width: 40, height: 30 }), RangeError);
    assert.throws(() => renderLineChart({ series: [{ name: 'c', x: [1], y: [1], color: 'red' }] }), /colour/);
  });
});

describe('writeLineChart', () => {
  const dir = mkdtempSync(join(tmpdir(), 'smit-viz-chart-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('writes the rendered chart as a PNG', () => {
    const options: LineChartOptions = { series: [{ name: 'a', x: [0, 1], y: [1, 0] }], width: 320, height: 200 };
    const path = join(dir, 'charts', 'loss.png');
    writeLineChart(path, options);
    const decoded = decodePng(readFileSync(path));
    assert.equal(decoded.width, 320);
    assert.equal(decoded.height, 200);
    assert.deepEqual(decoded.pixels, renderLineChart(options).rgb);
  });
});
