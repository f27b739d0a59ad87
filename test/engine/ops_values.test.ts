// Op values against hand-computed cases, one describe block per op family.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import * as T from '../../src/engine/index.js';
import { checkNoLeaks } from '../helpers/leak_check.js';

/** Elementwise |a - e| ≤ tol·max(1, |e|), with shape checked when expected is a tensor-like nested array. */
function close(actual: T.Tensor | number[] | number, expected: number[] | number, tol = 1e-6, what = ''): void {
  const a = typeof actual === 'number' ? [actual] : Array.isArray(actual) ? actual : actual.toArray();
  const e = typeof expected === 'number' ? [expected] : expected;
  assert.equal(a.length, e.length, `${what}: ${a.length} values, expected ${e.length}`);
  for (let i = 0; i < e.length; i++) {
    const ok = (Number.isNaN(e[i]) && Number.isNaN(a[i])) || Math.abs(a[i] - e[i]) <= tol * Math.max(1, Math.abs(e[i]));
    assert.ok(ok, `${what}[${i}]: got ${a[i]}, expected ${e[i]} (all: ${a.join(', ')})`);
  }
}

const f32 = (data: number[] | number[][] | number[][][], shape?: number[]) =>
  T.tensor(data, { dtype: 'float32', ...(shape ? { shape } : {}) });
const ar = (n: number, shape: number[], dtype: T.DType = 'float32') => T.arange(0, n, 1, { dtype }).reshape(shape);

// Every test runs in a scope so that nothing it creates outlives it.
const scoped = checkNoLeaks();

describe('creation', () => {
  test('zeros, ones, full, empty: shape, dtype, values', scoped(() => {
    const z = T.zeros([2, 3]);
    assert.deepEqual(z.shape, [2, 3]);
    assert.equal(z.dtype, 'float32');
    assert.deepEqual(z.toArray(), [0, 0, 0, 0, 0, 0]);
    assert.deepEqual(T.ones([2], { dtype: 'int64' }).toArray(), [1, 1]);
    assert.equal(T.ones([2], { dtype: 'int64' }).dtype, 'int64');
    close(T.full([3], 2.5), [2.5, 2.5, 2.5]);
    assert.equal(T.full([1], 7, { dtype: 'int32' }).dtype, 'int32');
    assert.deepEqual(T.empty([4, 0, 2]).shape, [4, 0, 2]);
    assert.deepEqual(T.scalarTensor(3).shape, []);
    assert.equal(T.scalarTensor(3, { dtype: 'float64' }).item(), 3);
  }));

  test('arange: integer and fractional steps, negative step, dtype inference', scoped(() => {
    const a = T.arange(0, 5);
    assert.equal(a.dtype, 'int64');
    assert.deepEqual(a.toArray(), [0, 1, 2, 3, 4]);
    const b = T.arange(1, 2, 0.25);
    assert.equal(b.dtype, 'float32');
    close(b, [1, 1.25, 1.5, 1.75]);
    assert.deepEqual(T.arange(5, 0, -2).toArray(), [5, 3, 1]);
    assert.equal(T.arange(0, 3, 1, { dtype: 'float64' }).dtype, 'float64');
    assert.deepEqual(T.arange(3, 3).shape, [0]);
  }));

  test('linspace includes both ends', scoped(() => {
    close(T.linspace(-1, 1, 5), [-1, -0.5, 0, 0.5, 1]);
    close(T.linspace(2, 3, 1), [2]);
    assert.equal(T.linspace(0, 1, 3, { dtype: 'float64' }).dtype, 'float64');
  }));

  test('eye: square and rectangular', scoped(() => {
    assert.deepEqual(T.eye(3).toArray(), [1, 0, 0, 0, 1, 0, 0, 0, 1]);
    const r = T.eye(2, 3);
    assert.deepEqual(r.shape, [2, 3]);
    assert.deepEqual(r.toArray(), [1, 0, 0, 0, 1, 0]);
  }));

  test('randint stays in [low, high) and covers it', scoped(() => {
    T.manualSeed(1);
    const r = T.randint(3, 7, [2000]);
    assert.equal(r.dtype, 'int64');
    const values = r.toArray();
    assert.ok(values.every((v) => v >= 3 && v < 7 && Number.isInteger(v)));
    assert.deepEqual([...new Set(values)].sort(), [3, 4, 5, 6]);
    assert.equal(T.randint(-2, 0, [5], { dtype: 'int32' }).dtype, 'int32');
  }));

  test('randperm is a permutation of 0..n-1', scoped(() => {
    T.manualSeed(2);
    const p = T.randperm(50);
    assert.equal(p.dtype, 'int64');
    const values = p.toArray();
    assert.deepEqual([...values].sort((x, y) => x - y), Array.from({ length: 50 }, (_, i) => i));
    assert.notDeepEqual(values, Array.from({ length: 50 }, (_, i) => i), 'a shuffled order');
  }));

  test('rand in [0, 1), randn standard normal, bernoulli extremes', scoped(() => {
    T.manualSeed(3);
    const u = T.rand([10000]).toArray();
    assert.ok(u.every((v) => v >= 0 && v < 1));
    const n = T.randn([20000]);
    assert.ok(Math.abs(n.mean().item()) < 0.03);
    assert.ok(Math.abs(n.std().item() - 1) < 0.03);
    assert.deepEqual(T.bernoulli(T.zeros([4]), 0).toArray(), [0, 0, 0, 0]);
    assert.deepEqual(T.bernoulli(T.zeros([4]), 1).toArray(), [1, 1, 1, 1]);
  }));

  test('*_like keep shape and dtype unless told', scoped(() => {
    const base = T.ones([2, 2], { dtype: 'float64' });
    assert.equal(T.zerosLike(base).dtype, 'float64');
    assert.deepEqual(T.onesLike(base, { dtype: 'int32' }).toArray(), [1, 1, 1, 1]);
    assert.equal(T.onesLike(base, { dtype: 'int32' }).dtype, 'int32');
    close(T.fullLike(base, -3), [-3, -3, -3, -3]);
    assert.deepEqual(T.emptyLike(base).shape, [2, 2]);
    assert.deepEqual(T.randLike(base).shape, [2, 2]);
    assert.equal(T.randnLike(base).dtype, 'float64');
  }));

  test('tensor(): nested arrays, typed arrays, dtype inference', scoped(() => {
    const ints = T.tensor([[1, 2], [3, 4]]);
    assert.equal(ints.dtype, 'int64');
    assert.deepEqual(ints.shape, [2, 2]);
    assert.equal(T.tensor([1, 2.5]).dtype, 'float32');
    assert.equal(T.tensor([true, false]).dtype, 'bool');
    assert.equal(T.tensor(4).ndim, 0);
    const empty = T.tensor([]);
    assert.equal(empty.dtype, 'float32', 'torch.tensor([]) is float32');
    assert.deepEqual(empty.shape, [0]);
    const typed = T.tensor(new Float32Array([1, 2, 3, 4, 5, 6]), { shape: [2, 3] });
    assert.deepEqual(typed.shape, [2, 3]);
    assert.equal(T.tensor(new Int32Array([1])).dtype, 'int32');
    assert.equal(T.tensor(new BigInt64Array([5n])).item(), 5);
    // Conversions of typed arrays to another dtype, half types included.
    const half = T.tensor(new Float32Array([1.5, -2]), { dtype: 'float16' });
    assert.equal(half.dtype, 'float16');
    assert.deepEqual(half.toArray(), [1.5, -2]);
    assert.equal(T.tensor(new Uint16Array([0x3c00]), { dtype: 'float16' }).item(), 1, 'raw float16 words');
    assert.equal(T.tensor(new Uint16Array([0x3f80]), { dtype: 'bfloat16' }).item(), 1, 'raw bfloat16 words');
    assert.throws(() => T.tensor([[1, 2], [3]]), /ragged/);
  }));
});

describe('elementwise', () => {
  const x = () => f32([-2, -0.5, 0.5, 3]);

  test('arithmetic with tensors and numbers, alpha, rounding modes', scoped(() => {
    close(T.add(x(), 1), [-1, 0.5, 1.5, 4]);
    close(T.add(x(), f32([1, 1, 1, 1]), { alpha: 2 }), [0, 1.5, 2.5, 5]);
    close(T.sub(x(), f32([1, 2, 3, 4]), { alpha: 0.5 }), [-2.5, -1.5, -1, 1]);
    close(x().mul(f32([2, 2, 2, 2])), [-4, -1, 1, 6]);
    close(x().div(2), [-1, -0.25, 0.25, 1.5]);
    const i = T.tensor([-7, -3, 3, 7]);
    assert.deepEqual(i.div(2, { roundingMode: 'floor' }).toArray(), [-4, -2, 1, 3]);
    assert.deepEqual(i.div(2, { roundingMode: 'trunc' }).toArray(), [-3, -1, 1, 3]);
    assert.deepEqual(i.remainder(3).toArray(), [2, 0, 0, 1], 'remainder takes the sign of the divisor');
    close(f32([2, 3]).pow(2), [4, 9]);
    close(f32([4, 9]).pow(0.5), [2, 3]);
    close(T.pow(f32([2, 3]), f32([3, 2])), [8, 9]);
    close(T.maximum(x(), T.zeros([4])), [0, 0, 0.5, 3]);
    close(T.minimum(x(), T.zeros([4])), [-2, -0.5, 0, 0]);
  }));

  test('unary functions match Math', scoped(() => {
    const v = [-2, -0.5, 0.5, 3];
    const pos = [0.25, 1, 2, 9];
    const p = () => f32(pos);
    const cases: [string, (t: T.Tensor) => T.Tensor, (n: number) => number, number[]][] = [
      ['neg', (t) => t.neg(), (n) => -n, v],
      ['exp', (t) => t.exp(), Math.exp, v],
      ['log', (t) => t.log(), Math.log, pos],
      ['log1p', (t) => t.log1p(), Math.log1p, pos],
      ['sqrt', (t) => t.sqrt(), Math.sqrt, pos],
      ['rsqrt', (t) => t.rsqrt(), (n) => 1 / Math.sqrt(n), pos],
      ['abs', (t) => t.abs(), Math.abs, v],
      ['sign', (t) => t.sign(), Math.sign, v],
      ['square', (t) => t.square(), (n) => n * n, v],
      ['reciprocal', (t) => t.reciprocal(), (n) => 1 / n, v],
      ['sin', (t) => t.sin(), Math.sin, v],
      ['cos', (t) => t.cos(), Math.cos, v],
      ['tanh', (t) => t.tanh(), Math.tanh, v],
      ['floor', (t) => t.floor(), Math.floor, v],
      ['ceil', (t) => t.ceil(), Math.ceil, v],
      ['sigmoid', (t) => t.sigmoid(), (n) => 1 / (1 + Math.exp(-n)), v],
      ['relu', (t) => t.relu(), (n) => Math.max(0, n), v],
      ['leakyRelu', (t) => t.leakyRelu(0.1), (n) => (n > 0 ? n : 0.1 * n), v],
    ];
    for (const [name, op, ref, input] of cases) {
      const t = input === pos ? p() : f32(input);
      close(op(t), input.map(ref), 1e-6, name);
    }
    // erf and gelu against reference values.
    close(f32([0, 0.5, -1]).erf(), [0, 0.5204998778130465, -0.8427007929497149], 1e-6, 'erf');
    close(f32([1, -1]).gelu(), [0.8413447460685429, -0.15865525393145707], 1e-6, 'gelu');
    close(f32([1]).gelu({ approximate: 'tanh' }), [0.8411919906082768], 1e-6, 'gelu tanh');
    // round: half to even, like torch.round.
    close(f32([0.5, 1.5, 2.5, -0.5, -1.7]).round(), [0, 2, 2, -0, -2]);
  }));

  test('isnan, isfinite, clamp, lerp, addcmul, addcdiv', scoped(() => {
    const special = f32([0, 1, 2]).div(f32([0, 0, 1]));
    assert.deepEqual(special.isnan().toArray(), [1, 0, 0]);
    assert.deepEqual(special.isfinite().toArray(), [0, 0, 1]);
    assert.equal(special.isnan().dtype, 'bool');
    close(x().clamp(-1, 1), [-1, -0.5, 0.5, 1]);
    close(x().clamp(0), [0, 0, 0.5, 3]);
    close(x().clamp(null, 0), [-2, -0.5, 0, 0]);
    close(T.lerp(f32([0, 10]), f32([10, 20]), 0.25), [2.5, 12.5], 1e-6, 'lerp number weight');
    close(T.lerp(f32([0, 10]), f32([10, 20]), 1), [10, 20], 1e-6, 'lerp integer weight');
    close(T.lerp(f32([0, 10]), f32([10, 20]), f32([0.5, 0.1])), [5, 11], 1e-6, 'lerp tensor weight');
    close(T.addcmul(f32([1, 1]), f32([2, 3]), f32([4, 5]), { value: 0.5 }), [5, 8.5]);
    close(T.addcdiv(f32([1, 1]), f32([2, 3]), f32([4, 6]), { value: 2 }), [2, 2]);
  }));

  test('in-place ops change the receiver and return it', scoped(() => {
    const t = f32([1, 2, 3]);
    assert.equal(t.add_(1), t);
    close(t, [2, 3, 4]);
    t.sub_(f32([1, 1, 1]), { alpha: 2 });
    close(t, [0, 1, 2]);
    t.mul_(3).div_(2);
    close(t, [0, 1.5, 3]);
    t.addcmul_(f32([1, 1, 1]), f32([2, 2, 2]));
    close(t, [2, 3.5, 5]);
    t.addcdiv_(f32([1, 1, 1]), f32([2, 2, 2]), { value: -1 });
    close(t, [1.5, 3, 4.5]);
    t.lerp_(f32([2.5, 3, 4.5]), 0.5);
    close(t, [2, 3, 4.5]);
    t.clamp_(2.5, 4);
    close(t, [2.5, 3, 4]);
    t.sqrt_();
    close(t, [Math.sqrt(2.5), Math.sqrt(3), 2]);
    t.fill_(7);
    close(t, [7, 7, 7]);
    t.maskedFill_(T.tensor([true, false, true]), -1);
    close(t, [-1, 7, -1]);
    t.copy_(f32([4, 5, 6]));
    close(t, [4, 5, 6]);
    t.zero_();
    close(t, [0, 0, 0]);
    const idx = T.zeros([4]).indexPut_([T.tensor([0, 0, 3])], f32([1, 2, 3]), { accumulate: true });
    close(idx, [3, 0, 0, 3]);
    T.manualSeed(0);
    const u = T.empty([1000]).uniform_(-2, -1).toArray();
    assert.ok(u.every((v) => v >= -2 && v < -1));
    const tn = T.empty([2000]).truncNormal_(0, 1, -0.5, 0.5).toArray();
    assert.ok(tn.every((v) => v >= -0.5 && v <= 0.5));
    const n = T.empty([20000]).normal_(5, 2);
    assert.ok(Math.abs(n.mean().item() - 5) < 0.1 && Math.abs(n.std().item() - 2) < 0.1);
  }));
});

describe('comparisons and logical ops', () => {
  test('comparisons give bool tensors, with tensors and numbers', scoped(() => {
    const a = f32([1, 2, 3]);
    const b = f32([3, 2, 1]);
    assert.deepEqual(a.eq(b).toArray(), [0, 1, 0]);
    assert.equal(a.eq(b).dtype, 'bool');
    assert.deepEqual(a.ne(2).toArray(), [1, 0, 1]);
    assert.deepEqual(a.lt(b).toArray(), [1, 0, 0]);
    assert.deepEqual(a.le(2).toArray(), [1, 1, 0]);
    assert.deepEqual(a.gt(b).toArray(), [0, 0, 1]);
    assert.deepEqual(a.ge(2).toArray(), [0, 1, 1]);
    assert.deepEqual(T.tensor([1, 2]).eq(T.tensor([1.0, 2.5], { dtype: 'float64' })).toArray(), [1, 0]);
  }));

  test('logical and, or, xor, not', scoped(() => {
    const p = T.tensor([true, true, false, false]);
    const q = T.tensor([true, false, true, false]);
    assert.deepEqual(T.logicalAnd(p, q).toArray(), [1, 0, 0, 0]);
    assert.deepEqual(T.logicalOr(p, q).toArray(), [1, 1, 1, 0]);
    assert.deepEqual(T.logicalXor(p, q).toArray(), [0, 1, 1, 0]);
    assert.deepEqual(T.logicalNot(p).toArray(), [0, 0, 1, 1]);
    // Non-bool inputs count non-zero as true.
    assert.deepEqual(T.logicalAnd(f32([0, 2]), f32([1, 1])).toArray(), [0, 1]);
    assert.equal(T.any(q).item(), 1);
    assert.equal(T.all(q).item(), 0);
  }));

  test('where and maskedFill', scoped(() => {
    const cond = T.tensor([true, false, true]);
    close(T.where(cond, f32([1, 2, 3]), f32([-1, -2, -3])), [1, -2, 3]);
    close(T.where(cond, 0.5, f32([9, 9, 9])), [0.5, 9, 0.5]);
    const scalars = T.where(cond, 1, 0);
    assert.equal(scalars.dtype, 'int64');
    assert.deepEqual(scalars.toArray(), [1, 0, 1]);
    // where broadcasts the condition over rows.
    close(T.where(T.tensor([[true], [false]]), ar(4, [2, 2]), 10), [0, 1, 10, 10]);
    const m = ar(6, [2, 3]).maskedFill(T.tensor([true, false, false]), -5);
    close(m, [-5, 1, 2, -5, 4, 5]);
  }));
});

describe('reductions', () => {
  const x = () => f32([[1, 2, 3], [4, 5, 6]]);

  test('sum and mean with dims and keepdim', scoped(() => {
    assert.equal(x().sum().item(), 21);
    assert.deepEqual(x().sum().shape, []);
    close(x().sum(0), [5, 7, 9]);
    const k = x().sum(1, true);
    assert.deepEqual(k.shape, [2, 1]);
    close(k, [6, 15]);
    close(x().sum([0, 1]), 21);
    close(x().sum(-1), [6, 15]);
    close(x().mean(1), [2, 5]);
    assert.deepEqual(x().mean([0], true).shape, [1, 3]);
    close(x().mean(), 3.5);
    const ints = T.tensor([1, 2, 3]);
    assert.equal(ints.sum().dtype, 'int64');
    assert.equal(ints.sum(null, false, { dtype: 'float64' }).dtype, 'float64');
    assert.equal(T.tensor([true, true, false]).sum().item(), 2);
  }));

  test('std and var with correction', scoped(() => {
    // Values 1..6: mean 3.5, squared deviations sum 17.5.
    close(x().var(), 17.5 / 5);
    close(T.var(x(), null, false, { correction: 0 }), 17.5 / 6);
    close(T.var(x(), null, false, { correction: 2 }), 17.5 / 4);
    close(x().std(null, false, { correction: 0 }), Math.sqrt(17.5 / 6));
    close(x().std(1), [1, 1]);
    const kd = x().var(0, true, { correction: 0 });
    assert.deepEqual(kd.shape, [1, 3]);
    close(kd, [2.25, 2.25, 2.25]);
  }));

  test('amax, amin, max, min, maxDim, minDim, argmax, argmin', scoped(() => {
    const y = f32([[3, 9, 1], [7, 2, 8]]);
    close(y.amax(0), [7, 9, 8]);
    close(y.amin(1, true), [1, 2]);
    assert.deepEqual(y.amin(1, true).shape, [2, 1]);
    close(y.amax(), 9);
    assert.equal(y.max().item(), 9);
    assert.equal(y.min().item(), 1);
    const [values, indices] = y.maxDim(1);
    close(values, [9, 8]);
    assert.deepEqual(indices.toArray(), [1, 2]);
    assert.equal(indices.dtype, 'int64');
    const [mv, mi] = y.minDim(0, true);
    assert.deepEqual(mv.shape, [1, 3]);
    close(mv, [3, 2, 1]);
    assert.deepEqual(mi.toArray(), [0, 1, 0]);
    assert.equal(y.argmax().item(), 1);
    assert.deepEqual(y.argmin(1).toArray(), [2, 1]);
    assert.deepEqual(y.argmax(0, true).shape, [1, 3]);
  }));

  test('norm, cumsum, logsumexp', scoped(() => {
    close(x().norm(1), 21);
    close(x().norm(), Math.sqrt(91));
    close(x().norm(2, 1), [Math.sqrt(14), Math.sqrt(77)]);
    close(x().norm(Infinity), 6);
    assert.deepEqual(x().norm(2, [1], true).shape, [2, 1]);
    close(x().cumsum(1), [1, 3, 6, 4, 9, 15]);
    close(x().cumsum(0), [1, 2, 3, 5, 7, 9]);
    const lse = (a: number[]) => Math.log(a.reduce((s, v) => s + Math.exp(v), 0));
    close(x().logsumexp([1]), [lse([1, 2, 3]), lse([4, 5, 6])]);
    close(x().logsumexp([0, 1]), lse([1, 2, 3, 4, 5, 6]));
  }));

  test('sort, topk, kthvalue, quantile, nonzero, bincount, unique', scoped(() => {
    const v = f32([3, 1, 4, 1.5]);
    const [sorted, order] = v.sort(-1, true);
    close(sorted, [4, 3, 1.5, 1]);
    assert.deepEqual(order.toArray(), [2, 0, 3, 1]);
    const [top, topIdx] = v.topk(2);
    close(top, [4, 3]);
    assert.deepEqual(topIdx.toArray(), [2, 0]);
    const [low] = v.topk(1, -1, false);
    close(low, [1]);
    const [kth, kthIdx] = v.kthvalue(2);
    close(kth, 1.5);
    assert.equal(kthIdx.item(), 3);
    close(f32([1, 2, 3, 4]).quantile(0.5), 2.5);
    close(f32([[1, 2], [3, 5]]).quantile(0.25, 1), [1.25, 3.5]);
    assert.deepEqual(T.tensor([[0, 1], [1, 0]]).nonzero().toArray(), [0, 1, 1, 0]);
    assert.deepEqual(T.tensor([[0, 1], [1, 0]]).nonzero().shape, [2, 2]);
    assert.deepEqual(T.tensor([0, 1, 1, 3]).bincount().toArray(), [1, 2, 0, 1]);
    assert.deepEqual(T.tensor([0, 1]).bincount({ minlength: 4 }).toArray(), [1, 1, 0, 0]);
    close(T.tensor([0, 1, 1]).bincount({ weights: T.tensor([0.5, 2, 3], { dtype: 'float64' }) }), [0.5, 5]);
    assert.deepEqual(T.tensor([3, 1, 3, 2]).unique().toArray(), [1, 2, 3]);
  }));
});

describe('shape ops', () => {
  test('reshape, view, permute, transpose, flatten, unflatten, (un)squeeze', scoped(() => {
    const a = ar(24, [2, 3, 4]);
    assert.deepEqual(a.reshape([4, -1]).shape, [4, 6]);
    assert.deepEqual(a.view([6, 4]).shape, [6, 4]);
    const p = a.permute([2, 0, 1]);
    assert.deepEqual(p.shape, [4, 2, 3]);
    assert.equal(p.isContiguous(), false);
    // p[i, j, k] = a[j, k, i] = 12j + 4k + i
    close(p.select(0, 1).select(0, 1), [13, 17, 21]);
    assert.deepEqual(a.transpose(0, 2).shape, [4, 3, 2]);
    assert.deepEqual(a.flatten(1).shape, [2, 12]);
    assert.deepEqual(a.flatten().shape, [24]);
    assert.deepEqual(a.flatten(0, 1).shape, [6, 4]);
    assert.deepEqual(a.unflatten(2, [2, 2]).shape, [2, 3, 2, 2]);
    assert.deepEqual(a.unsqueeze(1).shape, [2, 1, 3, 4]);
    assert.deepEqual(a.unsqueeze(-1).shape, [2, 3, 4, 1]);
    assert.deepEqual(T.ones([1, 2, 1]).squeeze().shape, [2]);
    assert.deepEqual(T.ones([1, 2, 1]).squeeze(0).shape, [2, 1]);
    assert.deepEqual(T.ones([1, 2, 1]).squeeze(-1).shape, [1, 2]);
    assert.ok(a.view([24]).dataPtrEqual(a), 'a view shares storage');
    assert.ok(!a.clone().dataPtrEqual(a));
    assert.ok(p.contiguous().isContiguous());
    assert.equal(a.numel(), 24);
  }));

  test('expand, repeat, repeatInterleave, narrow, slice with step, select, asStrided', scoped(() => {
    const e = f32([1, 2]).unsqueeze(0).expand([3, 2]);
    assert.deepEqual(e.shape, [3, 2]);
    close(e, [1, 2, 1, 2, 1, 2]);
    assert.deepEqual(e.strides, [0, 1]);
    assert.deepEqual(f32([1, 2]).expandAs(T.zeros([2, 2])).shape, [2, 2]);
    close(f32([1, 2]).repeat([2, 2]), [1, 2, 1, 2, 1, 2, 1, 2]);
    close(f32([1, 2]).repeatInterleave(2), [1, 1, 2, 2]);
    close(ar(4, [2, 2]).repeatInterleave(2, 0), [0, 1, 0, 1, 2, 3, 2, 3]);
    const r = T.arange(0, 10);
    assert.deepEqual(r.narrow(0, 2, 3).toArray(), [2, 3, 4]);
    assert.deepEqual(r.slice(0, 1, 8, 3).toArray(), [1, 4, 7]);
    assert.deepEqual(r.slice(0, -3).toArray(), [7, 8, 9]);
    assert.deepEqual(r.slice(0, null, null, 4).toArray(), [0, 4, 8]);
    assert.deepEqual(r.slice(0, 2, -5).toArray(), [2, 3, 4]);
    const m = ar(12, [3, 4]);
    close(m.slice(1, 1, null, 2), [1, 3, 5, 7, 9, 11]);
    close(m.select(1, -1), [3, 7, 11]);
    close(m.select(0, 1), [4, 5, 6, 7]);
    close(r.float().asStrided([3, 2], [2, 1], 1), [1, 2, 3, 4, 5, 6]);
  }));

  test('indexSelect, index, maskedSelect, gather, scatter, scatterAdd', scoped(() => {
    const m = ar(6, [2, 3]);
    close(m.indexSelect(1, T.tensor([2, 0, 2])), [2, 0, 2, 5, 3, 5]);
    close(m.indexSelect(0, T.tensor([1])), [3, 4, 5]);
    close(m.index([T.tensor([1, 0]), T.tensor([2, 1])]), [5, 1]);
    close(m.maskedSelect(m.gt(2.5)), [3, 4, 5]);
    const g = f32([[1, 2], [3, 4]]).gather(1, T.tensor([[0, 0], [1, 0]]));
    close(g, [1, 1, 4, 3]);
    close(f32([[1, 2], [3, 4]]).gather(0, T.tensor([[1, 0]])), [3, 2]);
    const s = T.zeros([2, 3]).scatter(1, T.tensor([[0, 2], [1, 0]]), f32([[1, 2], [3, 4]]));
    close(s, [1, 0, 2, 4, 3, 0]);
    close(T.zeros([2, 3]).scatter(1, T.tensor([[2], [0]]), 7), [0, 0, 7, 7, 0, 0]);
    close(T.zeros([3]).scatterAdd(0, T.tensor([0, 0, 2]), f32([1, 2, 3])), [3, 0, 3]);
  }));

  test('cat, stack, chunk, split, unbind', scoped(() => {
    const a = ar(4, [2, 2]);
    const b = ar(2, [1, 2]);
    const c = T.cat([a, b]);
    assert.deepEqual(c.shape, [3, 2]);
    close(c, [0, 1, 2, 3, 0, 1]);
    assert.deepEqual(T.cat([a, a], 1).shape, [2, 4]);
    close(T.cat([a, a], -1), [0, 1, 0, 1, 2, 3, 2, 3]);
    const s = T.stack([f32([1, 2]), f32([3, 4])], 1);
    assert.deepEqual(s.shape, [2, 2]);
    close(s, [1, 3, 2, 4]);
    const r = T.arange(0, 5);
    assert.deepEqual(r.chunk(2).map((t) => t.toArray()), [[0, 1, 2], [3, 4]]);
    assert.deepEqual(T.arange(0, 6).chunk(4).map((t) => t.toArray()), [[0, 1], [2, 3], [4, 5]]);
    assert.deepEqual(r.split([2]).map((t) => t.toArray()), [[0, 1], [2, 3], [4]]);
    assert.deepEqual(r.split([1, 4]).map((t) => t.toArray()), [[0], [1, 2, 3, 4]]);
    assert.deepEqual(ar(6, [2, 3]).split([2, 1], 1).map((t) => t.shape), [[2, 2], [2, 1]]);
    assert.deepEqual(ar(6, [2, 3]).unbind(1).map((t) => t.toArray()), [[0, 3], [1, 4], [2, 5]]);
  }));

  test('roll, flip, rot90, tril', scoped(() => {
    assert.deepEqual(T.arange(0, 5).roll([2], [0]).toArray(), [3, 4, 0, 1, 2]);
    assert.deepEqual(T.arange(0, 5).roll([-1], [0]).toArray(), [1, 2, 3, 4, 0]);
    const m = T.arange(0, 6).reshape([2, 3]);
    assert.deepEqual(m.roll([1, -1], [0, 1]).toArray(), [4, 5, 3, 1, 2, 0]);
    assert.deepEqual(m.flip([0, 1]).toArray(), [5, 4, 3, 2, 1, 0]);
    assert.deepEqual(m.flip([1]).toArray(), [2, 1, 0, 5, 4, 3]);
    assert.deepEqual(T.arange(0, 4).reshape([2, 2]).rot90(1, [0, 1]).toArray(), [1, 3, 0, 2]);
    assert.deepEqual(T.ones([3, 3]).tril().toArray(), [1, 0, 0, 1, 1, 0, 1, 1, 1]);
    assert.deepEqual(T.ones([3, 3]).tril(-1).toArray(), [0, 0, 0, 1, 0, 0, 1, 1, 0]);
  }));

  test('pad: constant, replicate, reflect (1-D and 3-D)', scoped(() => {
    const x = ar(4, [1, 1, 4]);
    close(x.pad([2, 1]), [0, 0, 0, 1, 2, 3, 0]);
    close(x.pad([2, 1], 'constant', 9), [9, 9, 0, 1, 2, 3, 9]);
    close(x.pad([2, 1], 'replicate'), [0, 0, 0, 1, 2, 3, 3]);
    close(x.pad([2, 1], 'reflect'), [2, 1, 0, 1, 2, 3, 2]);
    close(x.pad([-1, 0]), [1, 2, 3], 1e-6, 'negative constant padding crops');
    // 3-D: [1, 1, 2, 2, 2] padded by one on the last dim and one before the first spatial dim.
    const v = ar(8, [1, 1, 2, 2, 2]);
    const rep = v.pad([1, 0, 0, 0, 1, 0], 'replicate');
    assert.deepEqual(rep.shape, [1, 1, 3, 2, 3]);
    close(rep, [0, 0, 1, 2, 2, 3, 0, 0, 1, 2, 2, 3, 4, 4, 5, 6, 6, 7]);
    const ref = v.pad([1, 0, 0, 0, 1, 0], 'reflect');
    close(ref, [5, 4, 5, 7, 6, 7, 1, 0, 1, 3, 2, 3, 5, 4, 5, 7, 6, 7]);
    const con = v.pad([0, 0, 1, 1, 0, 0], 'constant', -1);
    assert.deepEqual(con.shape, [1, 1, 2, 4, 2]);
    close(con.select(2, 0).flatten(), [-1, -1, 0, 1, 2, 3, -1, -1]);
  }));

  test('pixelShuffle3d moves channels into space', scoped(() => {
    // One voxel with 8 channels: channel (i·4 + j·2 + k) lands at (i, j, k).
    const one = ar(8, [1, 8, 1, 1, 1]).pixelShuffle3d(2);
    assert.deepEqual(one.shape, [1, 1, 2, 2, 2]);
    close(one, [0, 1, 2, 3, 4, 5, 6, 7]);
    // Two output channels, two voxels along W.
    const two = ar(32, [1, 16, 1, 1, 2]).pixelShuffle3d(2);
    assert.deepEqual(two.shape, [1, 2, 2, 2, 4]);
    // out[0, c, i, j, 2w + k] = in[0, c·8 + i·4 + j·2 + k, 0, 0, w] = 2(c·8 + i·4 + j·2 + k) + w
    const expected: number[] = [];
    for (let c = 0; c < 2; c++)
      for (let i = 0; i < 2; i++)
        for (let j = 0; j < 2; j++)
          for (let ow = 0; ow < 4; ow++) expected.push(2 * (c * 8 + i * 4 + j * 2 + (ow % 2)) + Math.floor(ow / 2));
    close(two, expected);
  }));
});

describe('linear algebra', () => {
  test('matmul, bmm, linear, baddbmm', scoped(() => {
    const a = f32([[1, 2, 3], [4, 5, 6]]);
    const b = f32([[7, 8], [9, 10], [11, 12]]);
    close(a.matmul(b), [58, 64, 139, 154]);
    close(f32([1, 2, 3]).matmul(b), [58, 64]);
    close(a.matmul(f32([1, 0, -1])), [-2, -2]);
    const batched = T.stack([a, a.mul(2)]).matmul(b);
    assert.deepEqual(batched.shape, [2, 2, 2]);
    close(batched, [58, 64, 139, 154, 116, 128, 278, 308]);
    close(T.bmm(a.unsqueeze(0), b.unsqueeze(0)), [58, 64, 139, 154]);
    const lin = T.linear(f32([[1, 2, 3]]), f32([[1, 0, 0], [0, 1, 1]]), f32([0.5, -1]));
    close(lin, [1.5, 4]);
    close(T.linear(f32([1, 2, 3]), f32([[1, 1, 1]])), [6]);
    const bad = T.baddbmm(T.ones([1, 2, 2]), a.unsqueeze(0), b.unsqueeze(0), { beta: 2, alpha: 0.5 });
    close(bad, [31, 34, 71.5, 79]);
  }));
});

describe('convolutions', () => {
  const outSize = (n: number, k: number, s: number, p: number, d: number) => Math.floor((n + 2 * p - d * (k - 1) - 1) / s) + 1;
  const outSizeT = (n: number, k: number, s: number, p: number, op: number, d: number) => (n - 1) * s - 2 * p + d * (k - 1) + op + 1;

  test('conv3d values: box filter, padding, bias, finite difference', scoped(() => {
    const box = T.conv3d(T.ones([1, 1, 3, 3, 3]), T.ones([1, 1, 2, 2, 2]));
    assert.deepEqual(box.shape, [1, 1, 2, 2, 2]);
    close(box, Array(8).fill(8));
    const padded = T.conv3d(T.ones([1, 1, 3, 3, 3]), T.ones([1, 1, 2, 2, 2]), f32([0.5]), { padding: 1 });
    assert.deepEqual(padded.shape, [1, 1, 4, 4, 4]);
    const at = (t: T.Tensor, d: number, h: number, w: number) => t.toArray()[d * 16 + h * 4 + w];
    assert.equal(at(padded, 0, 0, 0), 1.5);
    assert.equal(at(padded, 0, 1, 1), 4.5);
    assert.equal(at(padded, 1, 1, 1), 8.5);
    const ramp = ar(27, [1, 1, 3, 3, 3]);
    const dW = T.conv3d(ramp, f32([-1, 1], [1, 1, 1, 1, 2]));
    assert.deepEqual(dW.shape, [1, 1, 3, 3, 2]);
    close(dW, Array(18).fill(1));
    const dD = T.conv3d(ramp, f32([-1, 1], [1, 1, 2, 1, 1]));
    close(dD, Array(18).fill(9));
    // Two groups: each output channel sees only its own input channel.
    const grouped = T.conv3d(T.cat([T.ones([1, 1, 2, 2, 2]), T.full([1, 1, 2, 2, 2], 2)], 1), T.ones([2, 1, 2, 2, 2]), null, { groups: 2 });
    close(grouped, [8, 16]);
  }));

  test('conv3d output shapes with stride, padding, dilation, groups', scoped(() => {
    const cases = [
      { x: [2, 4, 7, 6, 5], w: [6, 2, 3, 3, 3], stride: [2, 1, 2], padding: [1, 0, 2], dilation: [1, 2, 1], groups: 2 },
      { x: [1, 3, 8, 8, 8], w: [4, 3, 3, 3, 3], stride: [2, 2, 2], padding: [1, 1, 1], dilation: [1, 1, 1], groups: 1 },
      { x: [1, 4, 9, 5, 6], w: [4, 1, 2, 3, 1], stride: [3, 1, 1], padding: [0, 2, 0], dilation: [2, 1, 3], groups: 4 },
    ];
    for (const c of cases) {
      const out = T.conv3d(T.zeros(c.x), T.zeros(c.w), T.zeros([c.w[0]]), c);
      const expected = [c.x[0], c.w[0], ...[0, 1, 2].map((k) => outSize(c.x[2 + k], c.w[2 + k], c.stride[k], c.padding[k], c.dilation[k]))];
      assert.deepEqual(out.shape, expected, JSON.stringify(c));
    }
    // A single number applies to all three dimensions.
    assert.deepEqual(T.conv3d(T.zeros([1, 1, 8, 8, 8]), T.zeros([1, 1, 3, 3, 3]), null, { stride: 2, padding: 1 }).shape, [1, 1, 4, 4, 4]);
  }));

  test('convTranspose3d output shapes with stride, padding, outputPadding, groups, dilation', scoped(() => {
    const cases = [
      { x: [1, 4, 3, 3, 3], w: [4, 3, 3, 3, 3], stride: [2, 2, 2], padding: [1, 1, 1], outputPadding: [1, 1, 1], dilation: [1, 1, 1], groups: 2 },
      { x: [1, 4, 3, 3, 3], w: [4, 3, 3, 3, 3], stride: [2, 3, 1], padding: [0, 1, 0], outputPadding: [1, 2, 0], dilation: [1, 1, 2], groups: 2 },
      { x: [2, 2, 4, 2, 3], w: [2, 5, 2, 2, 2], stride: [2, 2, 2], padding: [0, 0, 0], outputPadding: [0, 0, 0], dilation: [1, 1, 1], groups: 1 },
    ];
    for (const c of cases) {
      const out = T.convTranspose3d(T.zeros(c.x), T.zeros(c.w), null, c);
      const expected = [
        c.x[0], c.w[1] * c.groups,
        ...[0, 1, 2].map((k) => outSizeT(c.x[2 + k], c.w[2 + k], c.stride[k], c.padding[k], c.outputPadding[k], c.dilation[k])),
      ];
      assert.deepEqual(out.shape, expected, JSON.stringify(c));
    }
    // stride 2, kernel 2: each input voxel paints its own 2×2×2 block.
    const up = T.convTranspose3d(ar(8, [1, 1, 2, 2, 2]), T.ones([1, 1, 2, 2, 2]), null, { stride: 2 });
    assert.deepEqual(up.shape, [1, 1, 4, 4, 4]);
    const v = up.toArray();
    for (let d = 0; d < 4; d++)
      for (let h = 0; h < 4; h++)
        for (let w = 0; w < 4; w++) {
          const src = (d >> 1) * 4 + (h >> 1) * 2 + (w >> 1);
          assert.equal(v[d * 16 + h * 4 + w], src);
        }
  }));

  test('convTranspose3d is the adjoint of conv3d', scoped(() => {
    T.manualSeed(5);
    const opts = { stride: [2, 1, 2], padding: [1, 1, 0], dilation: [1, 2, 1], groups: 2 };
    const x = T.randn([1, 4, 7, 6, 5], { dtype: 'float64' });
    const w = T.randn([6, 2, 3, 3, 2], { dtype: 'float64' });
    const y0 = T.conv3d(x, w, null, opts);
    const y = T.randn(y0.shape, { dtype: 'float64' });
    const outputPadding = [0, 1, 2].map((k) => x.shape[2 + k] - outSizeT(y.shape[2 + k], w.shape[2 + k], opts.stride[k], opts.padding[k], 0, opts.dilation[k]));
    const xt = T.convTranspose3d(y, w, null, { ...opts, outputPadding });
    assert.deepEqual(xt.shape, x.shape);
    const lhs = y0.mul(y).sum().item();
    const rhs = x.mul(xt).sum().item();
    assert.ok(Math.abs(lhs - rhs) < 1e-9 * Math.max(1, Math.abs(lhs)), `${lhs} vs ${rhs}`);
  }));
});

describe('normalization', () => {
  const standardize = (v: number[], eps = 1e-5) => {
    const m = v.reduce((a, b) => a + b, 0) / v.length;
    const s = v.reduce((a, b) => a + (b - m) ** 2, 0) / v.length;
    return v.map((x) => (x - m) / Math.sqrt(s + eps));
  };

  test('layerNorm over the last dims, with weight and bias', scoped(() => {
    close(T.layerNorm(f32([[1, 2, 3], [2, 4, 9]]), [3]), [...standardize([1, 2, 3]), ...standardize([2, 4, 9])], 1e-5);
    const wb = T.layerNorm(f32([[1, 2, 3]]), [3], f32([1, 2, 3]), f32([0, 1, 0]), { eps: 0.5 });
    const base = standardize([1, 2, 3], 0.5);
    close(wb, [base[0], 2 * base[1] + 1, 3 * base[2]], 1e-5);
    close(T.layerNorm(f32([[1, 2], [3, 5]]), [2, 2]), standardize([1, 2, 3, 5]), 1e-5);
  }));

  test('instanceNorm per sample and channel', scoped(() => {
    const x = f32([[[1, 2, 3, 4], [2, 4, 6, 9]]]);
    close(T.instanceNorm(x), [...standardize([1, 2, 3, 4]), ...standardize([2, 4, 6, 9])], 1e-5);
    const wb = T.instanceNorm(x, f32([2, 1]), f32([0, -1]));
    const s = standardize([2, 4, 6, 9]);
    close(wb.select(1, 1), s.map((v) => v - 1), 1e-5);
    close(wb.select(1, 0), standardize([1, 2, 3, 4]).map((v) => 2 * v), 1e-5);
  }));

  test('batchNorm: training statistics, running-stat update, evaluation mode', scoped(() => {
    // [N=2, C=2, L=2]: channel 0 holds 1, 2, 5, 6; channel 1 holds 0, 0, 4, 8.
    const x = f32([[[1, 2], [0, 0]], [[5, 6], [4, 8]]]);
    const runningMean = T.zeros([2]);
    const runningVar = T.ones([2]);
    const y = T.batchNorm(x, null, null, { runningMean, runningVar, training: true, momentum: 0.1 });
    const c0 = standardize([1, 2, 5, 6]);
    const c1 = standardize([0, 0, 4, 8]);
    close(y, [c0[0], c0[1], c1[0], c1[1], c0[2], c0[3], c1[2], c1[3]], 1e-5);
    // Running variance uses the unbiased estimate.
    close(runningMean, [0.1 * 3.5, 0.1 * 3], 1e-6);
    close(runningVar, [0.9 + 0.1 * (17 / 3), 0.9 + 0.1 * (44 / 3)], 1e-6);
    const e = T.batchNorm(f32([[[1], [2]]]), f32([1, 2]), f32([0, 0.5]), { runningMean: f32([1, 1]), runningVar: f32([4, 1]), eps: 0 });
    close(e, [0, 2 * 1 + 0.5], 1e-6);
  }));

  test('groupNorm over channel groups', scoped(() => {
    const x = f32([[[1, 2], [3, 4], [10, 20], [30, 50]]]);
    const g = T.groupNorm(x, 2);
    close(g, [...standardize([1, 2, 3, 4]), ...standardize([10, 20, 30, 50])], 1e-5);
    const wb = T.groupNorm(x, 4, f32([1, 1, 1, 3]), f32([0, 0, 1, 0]));
    // Four groups of one channel each: per-channel standardisation, then the affine map.
    const per = [[1, 2], [3, 4], [10, 20], [30, 50]].map((c) => standardize(c));
    close(wb, [...per[0], ...per[1], per[2][0] + 1, per[2][1] + 1, 3 * per[3][0], 3 * per[3][1]], 1e-5);
    assert.equal(T.groupNorm(x, 1).shape.join(), '1,4,2');
  }));
});

describe('activations and probability', () => {
  test('softmax and logSoftmax', scoped(() => {
    const x = f32([[1, 2, 3], [0, 0, 0]]);
    const z = Math.exp(1) + Math.exp(2) + Math.exp(3);
    close(x.softmax(1), [Math.exp(1) / z, Math.exp(2) / z, Math.exp(3) / z, 1 / 3, 1 / 3, 1 / 3]);
    close(x.logSoftmax(-1), [1 - Math.log(z), 2 - Math.log(z), 3 - Math.log(z), -Math.log(3), -Math.log(3), -Math.log(3)]);
    close(x.softmax(0).sum(0), [1, 1, 1]);
    assert.equal(x.softmax(1, { dtype: 'float64' }).dtype, 'float64');
    // Large inputs stay finite.
    close(f32([1000, 1000]).softmax(0), [0.5, 0.5]);
  }));

  test('softmax_ writes softmax over its input, bit for bit, and refuses a graph', scoped(() => {
    T.manualSeed(3);
    const logits = T.randn([6, 4, 64, 64]).mul(4);
    const expected = logits.softmax(-1).toArray();
    const same = logits.softmax_(-1);
    assert.equal(same, logits);
    assert.deepEqual(logits.toArray(), expected);
    // On a non-contiguous view it still writes the right values into the base.
    const base = T.randn([5, 7]);
    const columns = base.transpose(0, 1).softmax(-1).toArray();
    base.transpose(0, 1).softmax_(-1);
    assert.deepEqual(base.transpose(0, 1).toArray(), columns);
    const leaf = T.randn([2, 3]).requiresGrad_(true);
    assert.throws(() => leaf.softmax_(-1), /softmax_/);
  }));

  test('normalize divides by the p-norm along a dim, eps guards zero vectors', scoped(() => {
    close(f32([[3, 4], [0, 0]]).normalize(), [0.6, 0.8, 0, 0]);
    close(f32([[3, 4], [0, 0]]).normalize({ dim: 0 }), [1, 1, 0, 0]);
    close(f32([[1, -3]]).normalize({ p: 1 }), [0.25, -0.75]);
  }));

  test('oneHot', scoped(() => {
    const o = T.tensor([0, 2]).oneHot(3);
    assert.equal(o.dtype, 'int64');
    assert.deepEqual(o.shape, [2, 3]);
    assert.deepEqual(o.toArray(), [1, 0, 0, 0, 0, 1]);
    assert.deepEqual(T.tensor([1, 3]).oneHot().shape, [2, 4], 'numClasses inferred as max + 1');
  }));

  test('dropout', scoped(() => {
    close(T.dropout(f32([1, 2, 3]), 0.5, false), [1, 2, 3]);
    close(T.dropout(f32([1, 2, 3]), 0), [1, 2, 3]);
    T.manualSeed(4);
    const d = T.dropout(T.ones([1000]), 0.5).toArray();
    assert.ok(d.every((v) => v === 0 || v === 2), 'kept values are scaled by 1/(1-p)');
    const kept = d.filter((v) => v === 2).length;
    assert.ok(kept > 400 && kept < 600);
  }));
});

describe('resampling', () => {
  test('interpolate nearest and trilinear', scoped(() => {
    const line = ar(2, [1, 1, 1, 1, 2]);
    close(T.interpolate(line, { scaleFactor: [1, 1, 2] }), [0, 0, 1, 1]);
    close(T.interpolate(line, { size: [1, 1, 4], mode: 'trilinear' }), [0, 0.25, 0.75, 1]);
    close(T.interpolate(line, { size: [1, 1, 3], mode: 'trilinear', alignCorners: true }), [0, 0.5, 1]);
    assert.deepEqual(T.interpolate(T.zeros([1, 2, 2, 3, 4]), { scaleFactor: [2, 1, 0.5] }).shape, [1, 2, 4, 3, 2]);
    assert.deepEqual(T.interpolate(T.zeros([1, 1, 2, 3, 4]), { size: 5, mode: 'trilinear' }).shape, [1, 1, 5, 5, 5]);
    assert.deepEqual(T.interpolate(T.zeros([1, 1, 2, 3, 4]), { scaleFactor: [1.5] }).shape, [1, 1, 3, 4, 6]);
    // Trilinear interpolation of a linear ramp is exact in the interior (align corners).
    const ramp = ar(27, [1, 1, 3, 3, 3]);
    const up = T.interpolate(ramp, { size: [5, 5, 5], mode: 'trilinear', alignCorners: true });
    const v = up.toArray();
    for (let d = 0; d < 5; d++) for (let h = 0; h < 5; h++) for (let w = 0; w < 5; w++) {
      assert.ok(Math.abs(v[d * 25 + h * 5 + w] - (9 * d + 3 * h + w) / 2) < 1e-5);
    }
  }));

  test('gridSample with a 3-D identity grid reproduces the input; flipped grid flips', scoped(() => {
    T.manualSeed(6);
    const x = T.randn([2, 3, 4, 5, 6]);
    const identity = T.tensor([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]], { dtype: 'float32' }).unsqueeze(0).repeat([2, 1, 1]);
    for (const alignCorners of [false, true]) {
      const grid = T.affineGrid(identity, x.shape, { alignCorners });
      assert.deepEqual(grid.shape, [2, 4, 5, 6, 3]);
      close(T.gridSample(x, grid, { alignCorners }), x.toArray(), 1e-5, `alignCorners ${alignCorners}`);
      close(T.gridSample(x, grid, { mode: 'nearest', alignCorners }), x.toArray(), 1e-6, `nearest ${alignCorners}`);
    }
    // Grid coordinates are (x, y, z) = (W, H, D): negating x mirrors along W.
    const mirror = T.tensor([[-1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]], { dtype: 'float32' }).unsqueeze(0).repeat([2, 1, 1]);
    close(T.gridSample(x, T.affineGrid(mirror, x.shape)), x.flip([4]).toArray(), 1e-5, 'mirror W');
    // Out of range samples: zeros padding gives 0, border padding the edge value.
    const far = T.full([1, 1, 1, 1, 3], 5);
    const ramp = ar(8, [1, 1, 2, 2, 2]);
    close(T.gridSample(ramp, far), [0]);
    close(T.gridSample(ramp, far, { paddingMode: 'border' }), [7]);
  }));
});

describe('pooling', () => {
  test('maxPool3d and avgPool3d values', scoped(() => {
    const x = ar(64, [1, 1, 4, 4, 4]);
    const mx = T.maxPool3d(x, 2);
    const av = T.avgPool3d(x, 2);
    assert.deepEqual(mx.shape, [1, 1, 2, 2, 2]);
    const mExp: number[] = [];
    const aExp: number[] = [];
    for (let d = 0; d < 2; d++) for (let h = 0; h < 2; h++) for (let w = 0; w < 2; w++) {
      mExp.push((2 * d + 1) * 16 + (2 * h + 1) * 4 + (2 * w + 1));
      aExp.push(2 * d * 16 + 2 * h * 4 + 2 * w + 10.5);
    }
    close(mx, mExp);
    close(av, aExp);
    const s1 = T.maxPool3d(x, 2, { stride: 1 });
    assert.deepEqual(s1.shape, [1, 1, 3, 3, 3]);
    assert.equal(s1.toArray()[13], 2 * 16 + 2 * 4 + 2);
  }));

  test('pool shapes and padding semantics', scoped(() => {
    const x = T.ones([1, 1, 4, 4, 4]);
    assert.deepEqual(T.maxPool3d(x, 2, { padding: 1 }).shape, [1, 1, 3, 3, 3]);
    assert.deepEqual(T.maxPool3d(x, 3, { stride: 2 }).shape, [1, 1, 1, 1, 1]);
    assert.deepEqual(T.maxPool3d(x, 3, { stride: 2, ceilMode: true }).shape, [1, 1, 2, 2, 2]);
    assert.deepEqual(T.maxPool3d(x, [1, 2, 4]).shape, [1, 1, 4, 2, 1]);
    const inc = T.avgPool3d(x, 2, { padding: 1 });
    assert.equal(inc.toArray()[0], 1 / 8, 'padding counted');
    const exc = T.avgPool3d(x, 2, { padding: 1, countIncludePad: false });
    close(exc, Array(27).fill(1));
    // Max pooling ignores padding even for negative inputs.
    close(T.maxPool3d(T.full([1, 1, 2, 2, 2], -3), 2, { padding: 1 }).amax(), -3);
  }));
});

describe('losses', () => {
  test('l1 and mse with reductions', scoped(() => {
    const a = f32([1, 2, 3, 4]);
    const b = f32([2, 2, 5, 0]);
    close(T.l1Loss(a, b), 7 / 4);
    close(T.l1Loss(a, b, { reduction: 'sum' }), 7);
    close(T.l1Loss(a, b, { reduction: 'none' }), [1, 0, 2, 4]);
    close(T.mseLoss(a, b), 21 / 4);
    close(T.mseLoss(a, b, { reduction: 'sum' }), 21);
    close(T.mseLoss(a, b, { reduction: 'none' }), [1, 0, 4, 16]);
  }));

  test('crossEntropy: plain, class weights, ignoreIndex, label smoothing, 5-D segmentation', scoped(() => {
    const rows = [[1, 2, 3], [1, 0, -1], [0.5, 0.5, 0.5], [2, -1, 0]];
    const target = [2, 0, 1, 1];
    const logp = rows.map((r) => {
      const lse = Math.log(r.reduce((s, v) => s + Math.exp(v), 0));
      return r.map((v) => v - lse);
    });
    const x = f32(rows);
    const t = T.tensor(target);
    close(T.crossEntropy(T.zeros([2, 3]), T.tensor([0, 1])), Math.log(3));
    const nll = target.map((c, i) => -logp[i][c]);
    close(T.crossEntropy(x, t), nll.reduce((a, b) => a + b) / 4, 1e-6, 'mean');
    close(T.crossEntropy(x, t, { reduction: 'none' }), nll, 1e-6, 'none');
    close(T.crossEntropy(x, t, { reduction: 'sum' }), nll.reduce((a, b) => a + b), 1e-6, 'sum');
    // Weighted mean divides by the summed weights of the (non-ignored) targets.
    const w = [1, 2, 0.5];
    const keep = [0, 1];
    const weighted = keep.reduce((s, i) => s + w[target[i]] * nll[i], 0) / keep.reduce((s, i) => s + w[target[i]], 0);
    close(T.crossEntropy(x, t, { weight: f32(w), ignoreIndex: 1 }), weighted, 1e-6, 'weights + ignoreIndex');
    const none = T.crossEntropy(x, t, { weight: f32(w), ignoreIndex: 1, reduction: 'none' });
    close(none, [w[2] * nll[0], w[0] * nll[1], 0, 0], 1e-6, 'ignored entries are 0');
    // Label smoothing ε: (1-ε)·nll + ε·mean over classes of -log p.
    const eps = 0.1;
    const smooth = [0, 1, 2, 3].map((i) => (1 - eps) * nll[i] - (eps / 3) * logp[i].reduce((a, b) => a + b));
    close(T.crossEntropy(x, t, { labelSmoothing: eps }), smooth.reduce((a, b) => a + b) / 4, 1e-6, 'label smoothing');
    close(T.crossEntropy(x, t, { labelSmoothing: eps, ignoreIndex: 1 }), (smooth[0] + smooth[1]) / 2, 1e-6, 'smoothing + ignore');
    // Segmentation: logits [N, C, D, H, W], target [N, D, H, W].
    const seg = x.transpose(0, 1).reshape([1, 3, 1, 2, 2]);
    close(T.crossEntropy(seg, t.reshape([1, 1, 2, 2])), nll.reduce((a, b) => a + b) / 4, 1e-6, '5-D');
    assert.deepEqual(T.crossEntropy(seg, t.reshape([1, 1, 2, 2]), { reduction: 'none' }).shape, [1, 1, 2, 2]);
  }));
});

describe('conversion', () => {
  test('to, clone, detach, contiguous, float, item, toString', scoped(() => {
    const x = f32([1.7, -2.2]);
    const i = x.to('int32');
    assert.equal(i.dtype, 'int32');
    assert.deepEqual(i.toArray(), [1, -2]);
    assert.equal(x.to('float64').dtype, 'float64');
    assert.equal(x.to('bool').toArray().join(), '1,1');
    const same = x.to('float32');
    assert.ok(same.dataPtrEqual(x), 'to() the same dtype is a no-op view');
    assert.ok(!x.to('float32', null, { copy: true }).dataPtrEqual(x));
    assert.equal(x.float(), x, 'float() of float32 returns the receiver');
    assert.equal(T.tensor([1, 2]).float().dtype, 'float32');
    assert.equal(x.cpu().device, 'cpu');
    const h = x.to('float16');
    assert.equal(h.dtype, 'float16');
    close(h.toArray(), [1.7, -2.2], 1e-3);
    close(x.to('bfloat16').toArray(), [1.7, -2.2], 1e-2);
    assert.ok(x.data() instanceof Float32Array);
    assert.ok(T.tensor([1]).data() instanceof BigInt64Array);
    assert.match(x.toString(), /1\.7000/);
    assert.equal(T.tensor([true]).item(), 1);
    assert.equal(T.tensor([[5]]).item(), 5);
  }));
});
