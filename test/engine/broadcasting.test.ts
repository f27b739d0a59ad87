// Broadcasting and dtype promotion. The expected dtypes are PyTorch's (checked
// against torch 1.13), where a JavaScript number behaves like a Python scalar.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import * as T from '../../src/engine/index.js';
import { checkNoLeaks } from '../helpers/leak_check.js';

// Every test runs in a scope so that nothing it creates outlives it.
const scoped = checkNoLeaks();

describe('broadcasting', () => {
  test('shapes combine from the trailing dimension', scoped(() => {
    const col = T.tensor([[0], [10], [20]], { dtype: 'float32' });
    const row = T.tensor([[1, 2, 3, 4]], { dtype: 'float32' });
    const sum = col.add(row);
    assert.deepEqual(sum.shape, [3, 4]);
    assert.deepEqual(sum.toArray(), [1, 2, 3, 4, 11, 12, 13, 14, 21, 22, 23, 24]);
    assert.deepEqual(T.ones([2, 3, 4]).mul(T.arange(0, 4, 1, { dtype: 'float32' })).shape, [2, 3, 4]);
    assert.deepEqual(T.ones([5, 1, 3]).add(T.ones([4, 1])).shape, [5, 4, 3]);
    assert.deepEqual(T.ones([3]).add(T.scalarTensor(2)).toArray(), [3, 3, 3]);
    assert.deepEqual(T.ones([0, 3]).add(T.ones([3])).shape, [0, 3]);
    assert.deepEqual(T.ones([2, 1]).gt(T.zeros([1, 2])).shape, [2, 2]);
  }));

  test('incompatible shapes throw', scoped(() => {
    assert.throws(() => T.ones([2, 3]).add(T.ones([4])), /size of tensor a \(3\) must match the size of tensor b \(4\)/);
    assert.throws(() => T.ones([2, 3]).mul(T.ones([3, 2])), /must match/);
  }));

  test('in-place ops broadcast the argument, never the receiver', scoped(() => {
    const a = T.zeros([3, 4]);
    a.add_(T.arange(0, 4, 1, { dtype: 'float32' }));
    assert.deepEqual(a.toArray().slice(0, 8), [0, 1, 2, 3, 0, 1, 2, 3]);
    assert.throws(() => T.zeros([4]).add_(T.ones([3, 4])), /doesn't match the broadcast shape/);
  }));

  test('expand and where broadcast without copying', scoped(() => {
    const v = T.arange(0, 3, 1, { dtype: 'float32' });
    const e = v.expand([4, 3]);
    assert.ok(e.dataPtrEqual(v));
    assert.deepEqual(e.strides, [0, 1]);
    const w = T.where(T.tensor([[true], [false]]), T.tensor([1, 2, 3], { dtype: 'float32' }), T.zeros([2, 1, 1]));
    assert.deepEqual(w.shape, [2, 2, 3]);
    assert.deepEqual(w.toArray(), [1, 2, 3, 0, 0, 0, 1, 2, 3, 0, 0, 0]);
  }));

  test('matmul broadcasts batch dimensions', scoped(() => {
    assert.deepEqual(T.ones([2, 1, 3, 4]).matmul(T.ones([5, 4, 2])).shape, [2, 5, 3, 2]);
    assert.deepEqual(T.ones([7, 3, 4]).matmul(T.ones([4])).shape, [7, 3]);
  }));
});

describe('dtype promotion', () => {
  const L = () => T.tensor([1, 2]);
  const F = () => T.tensor([1, 2], { dtype: 'float32' });
  const D = () => T.tensor([1, 2], { dtype: 'float64' });
  const B = () => T.tensor([true, false]);
  const H = () => T.tensor([1, 2], { dtype: 'float16' });
  const BF = () => T.tensor([1, 2], { dtype: 'bfloat16' });
  const I32 = () => T.tensor([1, 2], { dtype: 'int32' });
  const U8 = () => T.tensor([1, 2], { dtype: 'uint8' });
  const I8 = () => T.tensor([1, 2], { dtype: 'int8' });
  const zeroDim = (v: number, dtype: T.DType) => T.scalarTensor(v, { dtype });

  const table: [string, () => T.Tensor, T.DType, number[]][] = [
    ['int64 + 0.5', () => L().add(0.5), 'float32', [1.5, 2.5]],
    ['int64 + 1', () => L().add(1), 'int64', [2, 3]],
    ['int64 / int64 is true division', () => L().div(L()), 'float32', [1, 1]],
    ['int32 + 0.5', () => I32().add(0.5), 'float32', [1.5, 2.5]],
    ['float32 + float64 tensor', () => F().add(D()), 'float64', [2, 4]],
    ['float32 + float64 0-dim tensor', () => F().add(zeroDim(1, 'float64')), 'float32', [2, 3]],
    ['int64 + float64 0-dim tensor', () => L().add(zeroDim(1, 'float64')), 'float64', [2, 3]],
    ['int64 + float32 0-dim tensor', () => L().add(zeroDim(1, 'float32')), 'float32', [2, 3]],
    ['int32 * int64 0-dim tensor', () => I32().mul(zeroDim(2, 'int64')), 'int32', [2, 4]],
    ['float32 * 0.1 (wrapped number)', () => F().mul(0.1), 'float32', [0.10000000149011612, 0.20000000298023224]],
    ['float32 + 1e10', () => F().add(1e10), 'float32', [1e10, 1e10]],
    ['float16 + 0.5', () => H().add(0.5), 'float16', [1.5, 2.5]],
    ['float16 + float64 0-dim tensor', () => H().add(zeroDim(1, 'float64')), 'float16', [2, 3]],
    ['float16 + float32 tensor', () => H().add(F()), 'float32', [2, 4]],
    ['bfloat16 + float16', () => BF().add(H()), 'float32', [2, 4]],
    ['int32 + int64', () => I32().add(L()), 'int64', [2, 4]],
    ['uint8 + int8', () => U8().add(I8()), 'int16', [2, 4]],
    ['int8 + 300 wraps around', () => I8().add(300), 'int8', [45, 46]],
    ['uint8 - 1', () => U8().sub(1), 'uint8', [0, 1]],
    ['bool + bool', () => B().add(B()), 'bool', [1, 0]],
    ['bool + 1', () => B().add(1), 'int64', [2, 1]],
    ['bool * 2.5', () => B().mul(2.5), 'float32', [2.5, 0]],
    ['int64 * true', () => L().mul(true), 'int64', [1, 2]],
    ['float32 * true', () => F().mul(true), 'float32', [1, 2]],
    ['int64 + bool', () => L().add(B()), 'int64', [2, 2]],
    ['int64 < float32', () => L().lt(F()), 'bool', [0, 0]],
    ['where(bool, int64, 0.5)', () => T.where(B(), L(), 0.5), 'float32', [1, 0.5]],
    ['maximum(int64, float32)', () => T.maximum(L(), F()), 'float32', [1, 2]],
    ['int64.pow(2)', () => L().pow(2), 'int64', [1, 4]],
    ['int64.pow(0.5)', () => L().pow(0.5), 'float32', [1, Math.fround(Math.SQRT2)]],
    ['int64.sqrt()', () => L().sqrt(), 'float32', [1, Math.fround(Math.SQRT2)]],
    ['int64.exp()', () => L().exp(), 'float32', [Math.fround(Math.E), Math.fround(Math.exp(2))]],
    ['float16.pow(2)', () => H().pow(2), 'float16', [1, 4]],
    ['sum(int32)', () => I32().sum(), 'int64', [3]],
    ['sum(bool)', () => B().sum(), 'int64', [1]],
    ['sum(uint8)', () => U8().sum(), 'int64', [3]],
    ['mean(float16)', () => H().mean(), 'float16', [1.5]],
    ['floor division of int64', () => L().div(2, { roundingMode: 'floor' }), 'int64', [0, 1]],
  ];

  for (const [name, make, dtype, values] of table) {
    test(name, scoped(() => {
      const out = make();
      assert.equal(out.dtype, dtype);
      const got = out.toArray();
      assert.equal(got.length, values.length);
      got.forEach((v, i) => assert.ok(Math.abs(v - values[i]) <= 1e-6 * Math.max(1, Math.abs(values[i])), `${name}: got ${got}, expected ${values}`));
    }));
  }

  test('integer-valued numbers stay integers, fractional ones do not', scoped(() => {
    // JavaScript has one number type: 2 and 2.0 are the same value and both act as Python's int 2.
    assert.equal(T.tensor([1, 2]).mul(2.0).dtype, 'int64');
    assert.equal(T.tensor([1, 2]).mul(2.5).dtype, 'float32');
    assert.equal(T.full([2], 3).dtype, 'float32', 'creation ops default to float32');
    assert.equal(T.arange(0, 2).dtype, 'int64');
    assert.equal(T.arange(0, 2, 0.5).dtype, 'float32');
  }));

  test('mean of an integer tensor needs a floating dtype', scoped(() => {
    assert.throws(() => T.tensor([1, 2]).mean(), /mean\(\): could not infer output dtype|floating point/);
    assert.equal(T.tensor([1, 2]).mean(null, false, { dtype: 'float64' }).item(), 1.5);
  }));
});
