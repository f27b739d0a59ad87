import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatTicks, linearAxis, logAxis } from '../../src/viz/ticks.js';

const isNice = (step: number) => {
  const mantissa = step / 10 ** Math.floor(Math.log10(step) + 1e-9);
  return [1, 2, 5].some((m) => Math.abs(mantissa - m) < 1e-6);
};

describe('linearAxis', () => {
  test('uses round numbers without floating-point noise', () => {
    assert.deepEqual(linearAxis(0, 1, 6), { min: 0, max: 1, ticks: [0, 0.2, 0.4, 0.6, 0.8, 1] });
    assert.deepEqual(linearAxis(0, 0.3, 4).ticks, [0, 0.1, 0.2, 0.3]);
  });

  test('covers the data with evenly spaced 1-2-5 steps near the target count', () => {
    for (const [min, max, target] of [[-0.37, 12.2, 5], [3, 20000, 7], [0.0012, 0.0019, 4], [-5e6, -4e6, 6]]) {
      const axis = linearAxis(min, max, target);
      assert.ok(axis.min <= min && axis.max >= max, `${min}…${max} within ${axis.min}…${axis.max}`);
      const step = axis.ticks[1] - axis.ticks[0];
      assert.ok(isNice(step), `step ${step}`);
      assert.ok(axis.ticks.length >= 2 && axis.ticks.length <= 2 * target + 1, `${axis.ticks.length} ticks`);
      assert.equal(axis.ticks[0], axis.min);
      assert.equal(axis.ticks.at(-1), axis.max);
    }
  });

  test('widens a single value symmetrically', () => {
    for (const value of [0, 5, -3, 1e-4]) {
      const axis = linearAxis(value, value, 5);
      assert.ok(axis.min < value && axis.max > value);
      assert.ok(Math.abs(axis.min + axis.max - 2 * value) < 1e-9 * Math.max(1, Math.abs(value)), `${axis.min}…${axis.max}`);
    }
  });
});

describe('logAxis', () => {
  test('snaps the ends to 1-2-5 values and uses 1-2-5 ticks within two decades', () => {
    assert.deepEqual(logAxis(0.035, 1.9, 6), { min: 0.02, max: 2, ticks: [0.02, 0.05, 0.1, 0.2, 0.5, 1, 2] });
  });

  test('uses powers of ten over many decades, thinned to the target', () => {
    assert.deepEqual(logAxis(1e-5, 1, 8).ticks, [1e-5, 1e-4, 1e-3, 0.01, 0.1, 1]);
    assert.deepEqual(logAxis(1e-6, 1e3, 4).ticks, [1e-6, 1e-3, 1, 1e3]);
  });

  test('handles a single value and a narrow range', () => {
    const single = logAxis(1, 1, 5);
    assert.ok(single.min < 1 && single.max > 1 && single.ticks.includes(1));
    const narrow = logAxis(0.31, 0.33, 5);
    assert.ok(narrow.ticks.length >= 3 && narrow.min <= 0.31 && narrow.max >= 0.33, JSON.stringify(narrow));
  });
});

describe('formatTicks', () => {
  test('writes plain decimals in the usual range', () => {
    assert.deepEqual(formatTicks([-0.5, -0, 0, 0.1, 0.1 + 0.2, 0.001, 20000]), ['-0.5', '0', '0', '0.1', '0.3', '0.001', '20000']);
  });

  test('switches the whole axis to exponents when a tick is outside that range', () => {
    assert.deepEqual(formatTicks([1e-6, 1e-4, 0.01, 1, 100, 1e4]), ['1e-6', '1e-4', '1e-2', '1e0', '1e2', '1e4']);
    assert.deepEqual(formatTicks([0, 5e5, 1e6, 1.5e6]), ['0', '5e5', '1e6', '1.5e6']);
    assert.deepEqual(formatTicks([-3e-7, 2.5e-7]), ['-3e-7', '2.5e-7']);
  });
});
