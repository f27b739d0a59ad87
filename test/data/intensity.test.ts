import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { clipToPercentiles } from '../../src/data/intensity/clip-to-percentiles.js';
import { percentiles } from '../../src/data/intensity/percentile.js';
import { scaleIntensityRange } from '../../src/data/intensity/scale-intensity-range.js';
import { zScoreNormalize } from '../../src/data/intensity/z-score.js';
import { SeededRandom } from '../../src/data/seeded-random.js';

/** numpy.percentile's default (linear) definition, by sorting. */
function sortedPercentile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const position = (q / 100) * (sorted.length - 1);
  const lower = Math.floor(position);
  const upper = Math.min(lower + 1, sorted.length - 1);
  return sorted[lower] + (sorted[upper] - sorted[lower]) * (position - lower);
}

const close = (a: number, b: number, tolerance = 1e-5) => assert.ok(Math.abs(a - b) <= tolerance, `${a} vs ${b}`);

describe('scaleIntensityRange', () => {
  test('maps a CT window onto [0, 1] and clips outside it', () => {
    const out = scaleIntensityRange(Int16Array.of(-1000, -175, 37, 250, 3000), { aMin: -175, aMax: 250, bMin: 0, bMax: 1 });
    assert.ok(out instanceof Float32Array);
    assert.deepEqual(Array.from(out), [0, 0, Math.fround(212 / 425), 1, 1]);
  });

  test('without clipping values extrapolate; a reversed target range works', () => {
    assert.deepEqual(Array.from(scaleIntensityRange([0, 20], { aMin: 0, aMax: 10, bMin: 0, bMax: 1, clip: false })), [0, 2]);
    assert.deepEqual(Array.from(scaleIntensityRange([0, 5, 20], { aMin: 0, aMax: 10, bMin: 1, bMax: -1 })), [1, 0, -1]);
  });

  test('an empty input window is an error', () => {
    assert.throws(() => scaleIntensityRange([1], { aMin: 3, aMax: 3, bMin: 0, bMax: 1 }), /aMin and aMax are both 3/);
  });
});

describe('percentiles', () => {
  const random = new SeededRandom(7);
  const values = Array.from({ length: 5001 }, () => Math.round(random.normal() * 300) * (random.next() < 0.3 ? 0 : 1));

  test('match numpy linear interpolation on random data with many ties', () => {
    const qs = [0, 0.5, 1, 25, 50, 73.3, 99, 99.5, 100];
    percentiles(values, qs).forEach((p, i) => close(p, sortedPercentile(values, qs[i]), 1e-9));
  });

  test('nonzero ignores zero voxels', () => {
    const nonzero = values.filter((v) => v !== 0);
    close(percentiles(values, [10], { nonzero: true })[0], sortedPercentile(nonzero, 10), 1e-9);
  });

  test('sorted, constant and tiny inputs', () => {
    assert.deepEqual(percentiles(Float32Array.from({ length: 101 }, (_, i) => i), [0, 50, 99.5]), [0, 50, 99.5]);
    assert.deepEqual(percentiles(new Float32Array(50).fill(3), [1, 99]), [3, 3]);
    assert.deepEqual(percentiles([5], [0, 100]), [5, 5]);
    assert.ok(Number.isNaN(percentiles([0, 0], [50], { nonzero: true })[0]));
  });
});

describe('clipToPercentiles', () => {
  test('clips to the percentiles; with nonzero, background stays 0', () => {
    const values = Float32Array.from({ length: 201 }, (_, i) => (i < 100 ? 0 : i));
    const clipped = clipToPercentiles(values, { lower: 10, upper: 90, nonzero: true });
    const [low, high] = percentiles(values, [10, 90], { nonzero: true });
    assert.equal(clipped[0], 0);
    assert.equal(clipped[100], Math.fround(low));
    assert.equal(clipped[200], Math.fround(high));
    assert.equal(clipped[150], 150);
  });
});

describe('zScoreNormalize', () => {
  test('whole volume: mean 0, std 1', () => {
    const out = zScoreNormalize([1, 2, 3, 4]);
    const std = Math.sqrt(1.25);
    assert.deepEqual(Array.from(out), [-1.5, -0.5, 0.5, 1.5].map((v) => Math.fround(v / std)));
  });

  test('nonzero: statistics of non-zero voxels, zeros untouched', () => {
    const out = zScoreNormalize(Int16Array.of(0, 10, 20, 0, 30), { nonzero: true });
    const std = Math.sqrt(200 / 3);
    assert.deepEqual(Array.from(out), [0, -10 / std, 0, 0, 10 / std].map(Math.fround));
  });

  test('constant input is only shifted', () => {
    assert.deepEqual(Array.from(zScoreNormalize([4, 4, 4])), [0, 0, 0]);
  });
});
