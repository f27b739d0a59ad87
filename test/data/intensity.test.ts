import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as T from '../../src/engine/index.js';
import {
  CT_WINDOW,
  normalizeIntensity,
  normalizeIntensity_,
  percentiles,
  scaleIntensityPercentiles,
  scaleIntensityPercentiles_,
  scaleIntensityRange,
  scaleIntensityRange_,
  zScoreNormalize,
  zScoreNormalize_,
} from '../../src/data/intensity/index.js';
import { SeededRandom } from '../../src/data/seeded_random.js';

/** numpy.percentile's default (linear) definition, by sorting. */
function sortedPercentile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const position = (q / 100) * (sorted.length - 1);
  const lower = Math.floor(position);
  const upper = Math.min(lower + 1, sorted.length - 1);
  return sorted[lower] + (sorted[upper] - sorted[lower]) * (position - lower);
}

const close = (a: number, b: number, tolerance = 1e-5) => assert.ok(Math.abs(a - b) <= tolerance, `${a} vs ${b}`);

/** The values of a new float32 tensor, which is then freed. */
function float32Values(t: T.Tensor): number[] {
  assert.equal(t.dtype, 'float32');
  const values = t.toArray();
  t.dispose();
  return values;
}

/** A float32 [1, X, Y, Z] volume of rounded normal values (many ties), a third of them 0. */
function randomVolume(seed: number, shape: readonly number[] = [1, 9, 10, 11]): T.Tensor {
  const random = new SeededRandom(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const data = Float32Array.from({ length: n }, () => Math.round(random.normal() * 300) * (random.next() < 0.3 ? 0 : 1));
  return T.tensor(data, { shape });
}

describe('scaleIntensityRange', () => {
  test('maps the CT window onto [0, 1] and clips outside it', () => {
    assert.deepEqual(CT_WINDOW, { aMin: -175, aMax: 250, bMin: 0, bMax: 1 });
    const out = scaleIntensityRange(T.tensor(Int16Array.of(-1000, -175, 37, 250, 3000)), CT_WINDOW);
    assert.deepEqual(float32Values(out), [0, 0, Math.fround(212 / 425), 1, 1]);
  });

  test('without clipping values extrapolate; a reversed target range works', () => {
    assert.deepEqual(float32Values(scaleIntensityRange(T.tensor([0, 20]), { aMin: 0, aMax: 10, bMin: 0, bMax: 1, clip: false })), [0, 2]);
    assert.deepEqual(float32Values(scaleIntensityRange(T.tensor([0, 5, 20]), { aMin: 0, aMax: 10, bMin: 1, bMax: -1 })), [1, 0, -1]);
  });

  test('a float32 [1, X, Y, Z] volume keeps its shape and is not changed in place', () => {
    const volume = randomVolume(3);
    const before = volume.toArray();
    const out = scaleIntensityRange(volume, CT_WINDOW);
    assert.deepEqual(out.shape, [1, 9, 10, 11]);
    float32Values(out).forEach((v, i) => close(v, Math.min(1, Math.max(0, (before[i] + 175) / 425)), 1e-6));
    assert.deepEqual(volume.toArray(), before);
    volume.dispose();
  });

  test('an empty input window is an error', () => {
    assert.throws(() => scaleIntensityRange(T.tensor([1]), { aMin: 3, aMax: 3, bMin: 0, bMax: 1 }), /aMin and aMax are both 3/);
  });
});

describe('percentiles', () => {
  const volume = randomVolume(7, [5001]);
  const values = volume.toArray();
  const qs = [0, 0.5, 1, 25, 50, 73.3, 99, 99.5, 100];

  test('match numpy linear interpolation on random data with many ties', () => {
    percentiles(volume, qs).forEach((p, i) => close(p, sortedPercentile(values, qs[i]), 1e-9));
  });

  test('nonzero ignores zero voxels', () => {
    const nonzero = values.filter((v) => v !== 0);
    percentiles(volume, qs, { nonzero: true }).forEach((p, i) => close(p, sortedPercentile(nonzero, qs[i]), 1e-9));
  });

  test('a float32 [1, X, Y, Z] volume and an int16 one', () => {
    const random = new SeededRandom(11);
    const shape = [1, 8, 9, 10];
    const data = Float32Array.from({ length: 720 }, () => random.normal());
    const reference = Array.from(data);
    percentiles(T.tensor(data, { shape }), qs).forEach((p, i) => close(p, sortedPercentile(reference, qs[i]), 1e-12));
    const ct = Int16Array.from(values);
    percentiles(T.tensor(ct, { shape: [1, 3, 1667] }), qs).forEach((p, i) => close(p, sortedPercentile(values, qs[i]), 1e-9));
  });

  test('sorted, constant and tiny inputs; NaN when no voxel counts', () => {
    assert.deepEqual(percentiles(T.tensor(Float32Array.from({ length: 101 }, (_, i) => i)), [0, 50, 99.5]), [0, 50, 99.5]);
    assert.deepEqual(percentiles(T.tensor(new Float32Array(50).fill(3)), [1, 99]), [3, 3]);
    assert.deepEqual(percentiles(T.tensor([5]), [0, 100]), [5, 5]);
    assert.ok(Number.isNaN(percentiles(T.tensor([0, 0]), [50], { nonzero: true })[0]));
  });

  test('a percentile outside 0..100 is an error', () => {
    assert.throws(() => percentiles(volume, [-1]), /percentile -1 is outside 0\.\.100/);
    assert.throws(() => percentiles(volume, [50, 100.5]), /percentile 100.5/);
    assert.throws(() => percentiles(volume, [NaN]), /percentile NaN/);
  });
});

describe('scaleIntensityPercentiles', () => {
  test('maps the percentiles onto [0, 1] by default and clips', () => {
    const volume = T.tensor(Float32Array.from({ length: 101 }, (_, i) => i));
    const out = float32Values(scaleIntensityPercentiles(volume, { lower: 10, upper: 90 }));
    out.forEach((v, i) => close(v, Math.min(1, Math.max(0, (i - 10) / 80)), 1e-6));
    const unclipped = float32Values(scaleIntensityPercentiles(volume, { lower: 10, upper: 90, bMin: 1, bMax: 3, clip: false }));
    close(unclipped[0], 1 - 2 / 8);
    close(unclipped[100], 3 + 2 / 8);
  });

  test('with nonzero, percentiles of non-zero voxels and background stays 0', () => {
    const values = Float32Array.from({ length: 201 }, (_, i) => (i < 100 ? 0 : i));
    const [low, high] = percentiles(T.tensor(values), [10, 90], { nonzero: true });
    assert.deepEqual([low, high], [110, 190]);
    const out = float32Values(scaleIntensityPercentiles(T.tensor(values, { shape: [1, 3, 67, 1] }), { lower: 10, upper: 90, bMin: -1, bMax: 1, nonzero: true }));
    assert.equal(out[0], 0);
    assert.equal(out[100], -1);
    assert.equal(out[150], 0);
    assert.equal(out[170], 0.5);
    assert.equal(out[200], 1);
  });

  test('equal percentiles map every counted voxel to bMin', () => {
    assert.deepEqual(float32Values(scaleIntensityPercentiles(T.tensor(new Float32Array(20).fill(7)), { lower: 1, upper: 99, bMin: 0.25 })), new Array(20).fill(0.25));
    const sparse = T.tensor([0, 5, 0, 5, 5]);
    assert.deepEqual(float32Values(scaleIntensityPercentiles(sparse, { lower: 0, upper: 100, bMin: -1, nonzero: true })), [0, -1, 0, -1, -1]);
    assert.deepEqual(float32Values(scaleIntensityPercentiles(T.tensor([0, 0]), { lower: 0, upper: 100, nonzero: true })), [0, 0]);
  });

  test('a percentile outside 0..100 is an error', () => {
    assert.throws(() => scaleIntensityPercentiles(T.tensor([1, 2]), { lower: 0, upper: 101 }), /percentile 101 is outside/);
  });
});

describe('zScoreNormalize', () => {
  test('whole volume: mean 0, std 1 (population std)', () => {
    const std = Math.sqrt(1.25);
    float32Values(zScoreNormalize(T.tensor([1, 2, 3, 4]))).forEach((v, i) => close(v, (i - 1.5) / std, 1e-6));
  });

  test('nonzero: statistics of non-zero voxels, zeros untouched', () => {
    const out = float32Values(zScoreNormalize(T.tensor(Int16Array.of(0, 10, 20, 0, 30)), { nonzero: true }));
    const std = Math.sqrt(200 / 3);
    [0, -10 / std, 0, 0, 10 / std].forEach((v, i) => close(out[i], v, 1e-6));
    assert.equal(out[0], 0);
    assert.equal(out[3], 0);
  });

  test('constant input is only shifted', () => {
    assert.deepEqual(float32Values(zScoreNormalize(T.tensor([4, 4, 4]))), [0, 0, 0]);
    assert.deepEqual(float32Values(zScoreNormalize(T.tensor([0, 4, 0, 4]), { nonzero: true })), [0, 0, 0, 0]);
    assert.deepEqual(float32Values(zScoreNormalize(T.tensor([0, 0]), { nonzero: true })), [0, 0]);
  });

  test('a float32 [1, X, Y, Z] volume keeps its shape', () => {
    const volume = randomVolume(5);
    const values = volume.toArray();
    const out = zScoreNormalize(volume, { nonzero: true });
    assert.deepEqual(out.shape, [1, 9, 10, 11]);
    const result = float32Values(out);
    const body = result.filter((_, i) => values[i] !== 0);
    const mean = body.reduce((a, b) => a + b, 0) / body.length;
    close(mean, 0);
    close(Math.sqrt(body.reduce((a, b) => a + (b - mean) ** 2, 0) / body.length), 1);
    values.forEach((v, i) => v === 0 && assert.equal(result[i], 0));
    volume.dispose();
  });
});

describe('in-place normalisers', () => {
  const rng = new SeededRandom(7);
  const values = Array.from({ length: 2 * 3 * 4 * 5 }, (_, i) => (i % 7 === 0 ? 0 : Math.round((rng.next() - 0.3) * 900)));
  const cases: [string, (v: T.Tensor) => T.Tensor, (v: T.Tensor) => T.Tensor][] = [
    ['scaleIntensityRange_', (v) => scaleIntensityRange(v, CT_WINDOW), (v) => scaleIntensityRange_(v, CT_WINDOW)],
    ['zScoreNormalize_', (v) => zScoreNormalize(v), (v) => zScoreNormalize_(v)],
    ['zScoreNormalize_ (nonzero)', (v) => zScoreNormalize(v, { nonzero: true }), (v) => zScoreNormalize_(v, { nonzero: true })],
    ['scaleIntensityPercentiles_ (nonzero)', (v) => scaleIntensityPercentiles(v, { lower: 5, upper: 95, nonzero: true }), (v) => scaleIntensityPercentiles_(v, { lower: 5, upper: 95, nonzero: true })],
    ['normalizeIntensity_ (auto)', (v) => normalizeIntensity(v, { kind: 'auto', window: CT_WINDOW, lower: 1, upper: 99 }), (v) => normalizeIntensity_(v, { kind: 'auto', window: CT_WINDOW, lower: 1, upper: 99 })],
  ];
  for (const [name, copying, inPlace] of cases) {
    test(`${name} writes the copying version's result into its input and returns it`, () =>
      T.tidy(() => {
        const input = T.tensor(Float32Array.from(values), { shape: [1, 3, 4, 10] });
        const expected = copying(input).toArray();
        assert.deepEqual(input.toArray(), T.tensor(Float32Array.from(values), { shape: [1, 3, 4, 10] }).toArray(), 'the copying version changed its input');
        const result = inPlace(input);
        assert.equal(result, input);
        assert.deepEqual(input.toArray(), expected);
      }));
  }
  test('an in-place normaliser refuses a volume that is not float32', () =>
    T.tidy(() => {
      assert.throws(() => zScoreNormalize_(T.tensor(Int16Array.of(1, 2, 3))), /zScoreNormalize_: the volume is int16; in-place normalisation needs float32/);
    }));
});
