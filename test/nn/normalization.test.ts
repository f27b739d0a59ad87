// LayerNorm, InstanceNorm3d and BatchNorm3d against values computed by hand.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as T from '../../src/engine/index.js';
import { BatchNorm3d, InstanceNorm3d, LayerNorm } from '../../src/nn/index.js';
import { checkNoLeaks } from '../helpers/leak_check.js';

const scoped = checkNoLeaks();
const f32 = (values: number[] | number[][], shape?: number[]) => T.tensor(values, { dtype: 'float32', shape });

function assertClose(actual: T.Tensor, expected: number[], tolerance = 1e-5): void {
  const values = actual.toArray();
  assert.equal(values.length, expected.length);
  values.forEach((v, i) => assert.ok(Math.abs(v - expected[i]) <= tolerance, `[${i}] ${v} vs ${expected[i]}`));
}

/** (x − mean) / √(var + eps) with the biased variance, as every norm here uses. */
function standardise(values: number[], eps = 1e-5): number[] {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length;
  return values.map((v) => (v - mean) / Math.sqrt(variance + eps));
}

describe('LayerNorm', () => {
  test('normalises the last dimension, then scales and shifts by weight and bias', scoped(() => {
    const norm = new LayerNorm(4);
    T.noGrad(() => {
      norm.weight.copy_(f32([1, 2, 0.5, -1]));
      norm.bias.copy_(f32([0, 1, 0, 3]));
    });
    const rows = [[1, 2, 3, 4], [-2, 0, 0, 6]];
    const expected = rows.flatMap((row) => standardise(row).map((z, i) => z * [1, 2, 0.5, -1][i] + [0, 1, 0, 3][i]));
    assertClose(norm.forward(f32(rows)), expected);
    norm.dispose();
  }));
});

describe('InstanceNorm3d', () => {
  test('normalises each sample and channel over D×H×W; no parameters by default', scoped(() => {
    const norm = new InstanceNorm3d(2);
    assert.equal(norm.numParameters(), 0);
    const values = Array.from({ length: 2 * 2 * 8 }, (_, i) => (i * 7) % 11);
    const expected = [0, 1, 2, 3].flatMap((plane) => standardise(values.slice(plane * 8, plane * 8 + 8)));
    assertClose(norm.forward(f32(values, [2, 2, 2, 2, 2])), expected);
  }));

  test('affine: per-channel weight and bias', scoped(() => {
    const norm = new InstanceNorm3d(2, { affine: true });
    T.noGrad(() => {
      norm.weight!.copy_(f32([2, -1]));
      norm.bias!.copy_(f32([1, 0]));
    });
    const values = [1, 2, 3, 4, 5, 6, 7, 9, 0, 0, 1, 1, 0, 0, 1, 3];
    const expected = [0, 1].flatMap((c) => standardise(values.slice(c * 8, c * 8 + 8)).map((z) => z * [2, -1][c] + [1, 0][c]));
    assertClose(norm.forward(f32(values, [1, 2, 2, 2, 2])), expected);
    norm.dispose();
  }));
});

describe('BatchNorm3d', () => {
  // Two samples, two channels, 1×1×2 voxels: channel c pools 4 values.
  const values = [1, 3, 10, 20, 5, 7, 30, 40];
  const channel = (c: number) => [0, 1].flatMap((n) => values.slice(n * 4 + c * 2, n * 4 + c * 2 + 2));

  test('training: batch statistics per channel; running mean and unbiased variance move by momentum', scoped(() => {
    const norm = new BatchNorm3d(2, { momentum: 0.1 });
    const y = norm.forward(f32(values, [2, 2, 1, 1, 2]));
    const z = [0, 1].map((c) => standardise(channel(c)));
    // Back into [N, C, …] order: sample n, channel c, voxels 2.
    const expected = [0, 1].flatMap((n) => [0, 1].flatMap((c) => z[c].slice(n * 2, n * 2 + 2)));
    assertClose(y, expected);
    const means = [0, 1].map((c) => channel(c).reduce((a, b) => a + b, 0) / 4);
    const unbiased = [0, 1].map((c) => channel(c).reduce((a, b) => a + (b - means[c]) ** 2, 0) / 3);
    assertClose(norm.runningMean, means.map((m) => 0.1 * m));
    assertClose(norm.runningVar, unbiased.map((v) => 0.9 + 0.1 * v), 1e-4);
    assert.equal(norm.numBatchesTracked.item(), 1);
    norm.dispose();
  }));

  test('eval: the running statistics, not the batch, normalise', scoped(() => {
    const norm = new BatchNorm3d(2).eval();
    T.noGrad(() => {
      norm.runningMean.copy_(f32([1, -1]));
      norm.runningVar.copy_(f32([4, 0.25]));
    });
    const y = norm.forward(f32(values, [2, 2, 1, 1, 2]));
    const expected = values.map((v, i) => {
      const c = Math.floor(i / 2) % 2;
      return (v - [1, -1][c]) / Math.sqrt([4, 0.25][c] + 1e-5);
    });
    assertClose(y, expected);
    assert.equal(norm.numBatchesTracked.item(), 0);
    norm.dispose();
  }));
});
