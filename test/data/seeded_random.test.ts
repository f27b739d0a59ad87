import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SeededRandom } from '../../src/data/seeded_random.js';

describe('SeededRandom', () => {
  test('the same seed gives the same sequence; values lie in [0, 1)', () => {
    const a = new SeededRandom(2024);
    const b = new SeededRandom(2024);
    const values = Array.from({ length: 1000 }, () => a.next());
    assert.deepEqual(Array.from({ length: 1000 }, () => b.next()), values);
    assert.ok(values.every((v) => v >= 0 && v < 1));
    assert.notDeepEqual(Array.from({ length: 5 }, () => new SeededRandom(2025).next()), values.slice(0, 5));
  });

  test('normal draws have mean ≈ 0 and variance ≈ 1', () => {
    const random = new SeededRandom(3);
    const draws = Array.from({ length: 20000 }, () => random.normal());
    const mean = draws.reduce((s, v) => s + v, 0) / draws.length;
    const variance = draws.reduce((s, v) => s + (v - mean) ** 2, 0) / draws.length;
    assert.ok(Math.abs(mean) < 0.03 && Math.abs(variance - 1) < 0.05, `${mean} ${variance}`);
  });

  test('getState/setState resume the sequence exactly, through JSON', () => {
    const random = new SeededRandom(9);
    random.normal();
    const saved = JSON.parse(JSON.stringify(random.getState()));
    const expected = [random.normal(), random.next(), random.integer(10), random.shuffle([1, 2, 3, 4])];
    const resumed = new SeededRandom(0);
    resumed.setState(saved);
    assert.deepEqual([resumed.normal(), resumed.next(), resumed.integer(10), resumed.shuffle([1, 2, 3, 4])], expected);
  });
});
