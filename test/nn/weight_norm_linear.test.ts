// torch.nn.utils.weight_norm(Linear, dim=0) semantics: weight = g · v / ‖v‖
// with one norm per output row, g [out, 1] and v [out, in] the parameters.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as T from '../../src/engine/index.js';
import { WeightNormLinear } from '../../src/nn/index.js';
import { checkNoLeaks } from '../helpers/leak_check.js';

const scoped = checkNoLeaks();
const f32 = (rows: number[][]) => T.tensor(rows, { dtype: 'float32' });

function assertClose(actual: T.Tensor, expected: number[]): void {
  actual.toArray().forEach((v, i) => assert.ok(Math.abs(v - expected[i]) < 1e-6, `[${i}] ${v} vs ${expected[i]}`));
}

function withWeights(layer: WeightNormLinear, g: number[][], v: number[][]): WeightNormLinear {
  T.noGrad(() => {
    layer.weightG.copy_(f32(g));
    layer.weightV.copy_(f32(v));
  });
  return layer;
}

test('weight is g · v / ‖v‖ per output row; forward is x · weightᵀ without bias', scoped(() => {
  const layer = withWeights(new WeightNormLinear(2, 2), [[2], [0.5]], [[3, 4], [0, -2]]);
  assertClose(layer.weight(), [1.2, 1.6, 0, -0.5]);
  assertClose(layer.forward(f32([[1, 1], [2, -1]])), [2.8, -0.5, 0.8, 0.5]);
  layer.dispose();
}));

test('state dict holds weight_g [out, 1] and weight_v [out, in]; g starts at ‖v‖ so the initial weight is v', scoped(() => {
  const layer = new WeightNormLinear(5, 3);
  assert.deepEqual([...layer.stateDict()].map(([k, t]) => [k, t.shape]), [['weight_g', [3, 1]], ['weight_v', [3, 5]]]);
  assert.ok(layer.weight().sub(layer.weightV).abs().max().item() < 1e-6);
  layer.dispose();
}));

test('gradients reach g and v; scaling v leaves the weight unchanged', scoped(() => {
  const layer = withWeights(new WeightNormLinear(2, 1), [[3]], [[1, 2]]);
  const before = layer.weight().toArray();
  T.noGrad(() => layer.weightV.mul_(7));
  assertClose(layer.weight(), before);
  layer.forward(f32([[1, -1]])).sum().backward();
  assert.ok(layer.weightG.grad && layer.weightV.grad, 'both parameters get a gradient');
  layer.dispose();
}));

test('fixedNorm: g is 1 and untrained, so every row of the weight has norm 1', scoped(() => {
  const layer = new WeightNormLinear(6, 4, { fixedNorm: true });
  assert.deepEqual(layer.weightG.toArray(), [1, 1, 1, 1]);
  assert.equal(layer.weightG.requiresGrad, false);
  assert.equal(layer.numParameters({ trainableOnly: true }), 24);
  assertClose(layer.weight().norm(2, 1), [1, 1, 1, 1]);
  layer.dispose();
}));
