// Finite-difference gradient checks in float64 for every differentiable op family.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';

import * as T from '../../src/engine/index.js';

interface GradcheckOptions {
  /** Indices of the inputs to check (default: every float64 input). */
  wrt?: number[];
  eps?: number;
  atol?: number;
  rtol?: number;
}

/**
 * Compares autograd's gradient of sum(fn(inputs) · w), w a fixed random tensor,
 * with central finite differences, element by element. Inputs are float64;
 * non-float inputs (indices, masks) pass through unchanged.
 */
function gradcheck(name: string, fn: (...xs: T.Tensor[]) => T.Tensor, inputs: T.Tensor[], options: GradcheckOptions = {}): void {
  const { eps = 1e-6, atol = 1e-5, rtol = 1e-4 } = options;
  const wrt = options.wrt ?? inputs.flatMap((t, i) => (t.dtype === 'float64' ? [i] : []));
  assert.ok(wrt.length > 0, `${name}: nothing to check`);
  T.tidy(() => {
    for (const i of wrt) assert.equal(inputs[i].dtype, 'float64', `${name}: input ${i} must be float64`);
    const leaves = inputs.map((t, i) => (wrt.includes(i) ? t.detach().clone().requiresGrad_() : t));
    const out = fn(...leaves);
    assert.equal(out.dtype, 'float64', `${name}: output dtype`);
    const w = T.randn(out.shape, { dtype: 'float64' });
    out.mul(w).sum().backward();
    const objective = (i: number, values: Float64Array): number =>
      T.tidy(() =>
        T.noGrad(() => {
          const args = inputs.map((t, k) => (k === i ? T.tensor(values, { shape: t.shape }) : t));
          return fn(...args).mul(w).sum().item();
        }),
      );
    for (const i of wrt) {
      const analytic = leaves[i].grad?.toArray() ?? new Array<number>(inputs[i].numel()).fill(0);
      const base = Float64Array.from(inputs[i].toArray());
      let largest = 0;
      for (let j = 0; j < base.length; j++) {
        const v = base[j];
        base[j] = v + eps;
        const plus = objective(i, base);
        base[j] = v - eps;
        const minus = objective(i, base);
        base[j] = v;
        const numeric = (plus - minus) / (2 * eps);
        largest = Math.max(largest, Math.abs(numeric));
        const err = Math.abs(analytic[j] - numeric);
        assert.ok(
          err <= atol + rtol * Math.abs(numeric),
          `${name}: d/d input${i}[${j}]: autograd ${analytic[j]}, finite difference ${numeric}`,
        );
      }
      assert.ok(largest > 0, `${name}: input ${i} has an all-zero gradient, the check would prove nothing`);
    }
  });
}

const f64 = (shape: number[]) => T.randn(shape, { dtype: 'float64' });
/** Values away from 0 (for abs, relu, division, …): |v| in [0.3, 1.3]. */
const awayFromZero = (shape: number[]) =>
  T.tidy(() => {
    const u = T.rand(shape, { dtype: 'float64' }).add(0.3);
    return u.mul(T.randint(0, 2, shape).mul(2).sub(1));
  });
const positive = (shape: number[]) => T.rand(shape, { dtype: 'float64' }).add(0.5);
/** Distinct values spaced by at least 0.1, shuffled: no ties for max/min/sort. */
const distinct = (shape: number[]) => {
  const n = shape.reduce((a, b) => a * b, 1);
  return T.tidy(() => T.randperm(n).to('float64').mul(0.1).sub(n * 0.05).reshape(shape));
};

let live = 0;
beforeEach(() => {
  T.manualSeed(1234);
  live = T.liveTensors();
});
afterEach(() => {
  assert.equal(T.liveTensors(), live, 'test leaked tensors');
});
const scoped = (fn: () => void) => () => T.tidy(fn);

describe('gradients: elementwise', () => {
  test('unary functions', scoped(() => {
    const cases: [string, (x: T.Tensor) => T.Tensor, () => T.Tensor][] = [
      ['neg', (x) => x.neg(), () => f64([5])],
      ['exp', (x) => x.exp(), () => f64([5])],
      ['log', (x) => x.log(), () => positive([5])],
      ['log1p', (x) => x.log1p(), () => positive([5])],
      ['sqrt', (x) => x.sqrt(), () => positive([5])],
      ['rsqrt', (x) => x.rsqrt(), () => positive([5])],
      ['abs', (x) => x.abs(), () => awayFromZero([6])],
      ['square', (x) => x.square(), () => f64([5])],
      ['reciprocal', (x) => x.reciprocal(), () => awayFromZero([5])],
      ['sin', (x) => x.sin(), () => f64([5])],
      ['cos', (x) => x.cos(), () => f64([5])],
      ['tanh', (x) => x.tanh(), () => f64([5])],
      ['erf', (x) => x.erf(), () => f64([5])],
      ['sigmoid', (x) => x.sigmoid(), () => f64([5])],
      ['gelu', (x) => x.gelu(), () => f64([6])],
      ['gelu tanh', (x) => x.gelu({ approximate: 'tanh' }), () => f64([6])],
      ['relu', (x) => x.relu(), () => awayFromZero([6])],
      ['leakyRelu', (x) => x.leakyRelu(0.2), () => awayFromZero([6])],
      ['pow scalar', (x) => x.pow(3), () => f64([5])],
      ['pow fractional', (x) => x.pow(1.5), () => positive([5])],
      ['clamp', (x) => x.clamp(-0.25, 0.25), () => distinct([8]).mul(1.1).add(0.013)],
      ['lerp number weight', (x) => x.lerp(T.zerosLike(x), 0.3), () => f64([4])],
      ['div by number', (x) => x.div(3), () => f64([4])],
      ['rsub via neg/add', (x) => x.neg().add(2, { alpha: 3 }), () => f64([4])],
    ];
    for (const [name, fn, make] of cases) gradcheck(name, fn, [make()]);
  }));

  test('binary functions with broadcasting', scoped(() => {
    gradcheck('add alpha', (a, b) => a.add(b, { alpha: -2 }), [f64([2, 3]), f64([3])]);
    gradcheck('sub', (a, b) => a.sub(b), [f64([2, 1]), f64([1, 3])]);
    gradcheck('mul', (a, b) => a.mul(b), [f64([2, 3]), f64([2, 1])]);
    gradcheck('div', (a, b) => a.div(b), [f64([2, 3]), awayFromZero([3])]);
    gradcheck('pow tensor', (a, b) => a.pow(b), [positive([3]), f64([3])]);
    gradcheck('maximum', (a, b) => T.maximum(a, b), [distinct([6]), distinct([6]).add(0.05)]);
    gradcheck('minimum', (a, b) => T.minimum(a, b), [distinct([6]), distinct([6]).add(0.05)]);
    gradcheck('lerp tensor weight', (a, b, w) => a.lerp(b, w), [f64([4]), f64([4]), f64([4])]);
    gradcheck('addcmul', (a, b, c) => T.addcmul(a, b, c, { value: 0.7 }), [f64([3]), f64([2, 3]), f64([3])]);
    gradcheck('addcdiv', (a, b, c) => T.addcdiv(a, b, c, { value: -1.5 }), [f64([3]), f64([3]), awayFromZero([3])]);
    const cond = T.tensor([true, false, true, false, false, true]);
    gradcheck('where', (a, b) => T.where(cond, a, b), [f64([6]), f64([6])]);
    gradcheck('where broadcast', (a, b) => T.where(cond.reshape([2, 3]), a, b), [f64([1, 3]), f64([2, 1])]);
    gradcheck('maskedFill', (a) => a.maskedFill(cond, 2), [f64([6])]);
  }));
});

describe('gradients: reductions', () => {
  test('sum, mean, std, var, amax, amin, norm, logsumexp, cumsum, maxDim', scoped(() => {
    gradcheck('sum', (x) => x.sum(), [f64([2, 3])]);
    gradcheck('sum dims keepdim', (x) => x.sum([0, 2], true), [f64([2, 3, 2])]);
    gradcheck('mean dim', (x) => x.mean(1), [f64([2, 3])]);
    gradcheck('std', (x) => x.std(1), [f64([2, 4])]);
    gradcheck('std all', (x) => x.std(), [f64([2, 4])]);
    gradcheck('var correction 0', (x) => x.var(0, true, { correction: 0 }), [f64([3, 2])]);
    gradcheck('var correction 2', (x) => x.var(null, false, { correction: 2 }), [f64([3, 2])]);
    gradcheck('amax', (x) => x.amax(1), [distinct([3, 4])]);
    gradcheck('amin', (x) => x.amin([0, 1]), [distinct([3, 4])]);
    gradcheck('max', (x) => x.max(), [distinct([5])]);
    gradcheck('maxDim values', (x) => x.maxDim(0)[0], [distinct([3, 4])]);
    gradcheck('norm 2', (x) => x.norm(), [f64([5])]);
    gradcheck('norm 1 dim', (x) => x.norm(1, 1), [awayFromZero([2, 3])]);
    gradcheck('logsumexp', (x) => x.logsumexp([1]), [f64([2, 4])]);
    gradcheck('cumsum', (x) => x.cumsum(1), [f64([2, 4])]);
    gradcheck('sort values', (x) => x.sort(0, true)[0], [distinct([5])]);
    gradcheck('topk values', (x) => x.topk(2)[0], [distinct([2, 4])]);
  }));
});

describe('gradients: shape ops', () => {
  test('views and copies', scoped(() => {
    gradcheck('reshape + permute + transpose', (x) => x.reshape([3, 2, 2]).permute([2, 0, 1]).transpose(0, 2).mul(x.reshape([2, 3, 2])), [f64([12])]);
    gradcheck('slice with step', (x) => x.slice(1, 1, null, 2).mul(2), [f64([2, 7])]);
    gradcheck('narrow + select', (x) => x.narrow(0, 1, 2).select(1, 2), [f64([4, 3])]);
    gradcheck('expand', (x) => x.expand([3, 4]).mul(T.arange(0, 12, 1, { dtype: 'float64' }).reshape([3, 4])), [f64([1, 4])]);
    gradcheck('repeat', (x) => x.repeat([2, 3]).square(), [f64([2, 2])]);
    gradcheck('repeatInterleave', (x) => x.repeatInterleave(3, 0).square(), [f64([2, 2])]);
    gradcheck('flip', (x) => x.flip([0, 1]).mul(T.arange(0, 6, 1, { dtype: 'float64' }).reshape([2, 3])), [f64([2, 3])]);
    gradcheck('roll', (x) => x.roll([1, -2], [0, 1]).mul(T.arange(0, 12, 1, { dtype: 'float64' }).reshape([3, 4])), [f64([3, 4])]);
    gradcheck('rot90', (x) => x.rot90(1, [0, 1]).mul(T.arange(0, 6, 1, { dtype: 'float64' }).reshape([3, 2])), [f64([2, 3])]);
    gradcheck('tril', (x) => x.tril(), [f64([3, 3])]);
    gradcheck('unflatten + squeeze + unsqueeze', (x) => x.unflatten(0, [2, 3]).unsqueeze(0).squeeze(0).pow(2), [f64([6])]);
    gradcheck('asStrided (overlapping windows)', (x) => x.asStrided([3, 2], [1, 1]).pow(2), [f64([4])]);
  }));

  test('pad: constant, replicate, reflect', scoped(() => {
    gradcheck('pad constant', (x) => x.pad([1, 2], 'constant', 3).pow(2), [f64([1, 2, 4])]);
    gradcheck('pad replicate 5-D', (x) => x.pad([1, 1, 0, 2, 1, 0], 'replicate').pow(2), [f64([1, 1, 2, 2, 3])]);
    gradcheck('pad reflect 5-D', (x) => x.pad([1, 2, 1, 0, 0, 1], 'reflect').pow(2), [f64([1, 1, 2, 2, 3])]);
    gradcheck('pad negative crop', (x) => x.pad([-1, 1]).pow(2), [f64([1, 1, 4])]);
  }));

  test('indexing: indexSelect, index, gather, scatter, scatterAdd, maskedSelect, indexPut_', scoped(() => {
    const idx = T.tensor([2, 0, 2]);
    gradcheck('indexSelect (repeated index)', (x) => x.indexSelect(1, idx).pow(2), [f64([2, 3])]);
    gradcheck('index', (x) => x.index([T.tensor([1, 0, 1]), T.tensor([2, 1, 2])]).pow(2), [f64([2, 3])]);
    gradcheck('gather', (x) => x.gather(1, T.tensor([[0, 0, 2], [1, 2, 1]])).pow(2), [f64([2, 3])]);
    const sIdx = T.tensor([[0, 2], [1, 0]]);
    gradcheck('scatter', (x, s) => x.scatter(1, sIdx, s).pow(2), [f64([2, 3]), f64([2, 2])]);
    gradcheck('scatterAdd', (x, s) => x.scatterAdd(1, T.tensor([[0, 0], [1, 1]]), s).pow(2), [f64([2, 3]), f64([2, 2])]);
    gradcheck('maskedSelect', (x) => x.maskedSelect(T.tensor([[true, false, true], [false, true, true]])).pow(2), [f64([2, 3])]);
    gradcheck('indexPut_ on a copy', (x, v) => x.clone().indexPut_([T.tensor([0, 2])], v), [f64([4]), f64([2])]);
  }));

  test('cat, stack, chunk, split, unbind', scoped(() => {
    gradcheck('cat', (a, b) => T.cat([a, b], 1).pow(2), [f64([2, 2]), f64([2, 3])]);
    gradcheck('stack', (a, b) => T.stack([a, b], 1).pow(2).mul(T.arange(0, 12, 1, { dtype: 'float64' }).reshape([2, 2, 3])), [f64([2, 3]), f64([2, 3])]);
    gradcheck('chunk', (x) => { const [a, b] = x.chunk(2, 1); return a.mul(b.exp()); }, [f64([2, 4])]);
    gradcheck('split', (x) => { const [a, b] = x.split([1, 3]); return a.mul(b.sum()); }, [f64([4])]);
    gradcheck('unbind', (x) => { const [a, b, c] = x.unbind(1); return a.mul(b).add(c.square()); }, [f64([2, 3])]);
  }));

  test('pixelShuffle3d', scoped(() => {
    gradcheck('pixelShuffle3d', (x) => x.pixelShuffle3d(2).mul(T.arange(0, 32, 1, { dtype: 'float64' }).reshape([1, 2, 2, 2, 4])), [f64([1, 16, 1, 1, 2])]);
  }));
});

describe('gradients: linear algebra', () => {
  test('matmul, bmm, linear, baddbmm', scoped(() => {
    gradcheck('matmul 2-D', (a, b) => a.matmul(b), [f64([2, 3]), f64([3, 4])]);
    gradcheck('matmul batched broadcast', (a, b) => a.matmul(b), [f64([2, 2, 3]), f64([3, 2])]);
    gradcheck('matmul vector', (a, b) => a.matmul(b), [f64([3]), f64([3, 2])]);
    gradcheck('bmm', (a, b) => T.bmm(a, b), [f64([2, 2, 3]), f64([2, 3, 2])]);
    gradcheck('linear with bias', (x, w, b) => T.linear(x, w, b), [f64([2, 3]), f64([4, 3]), f64([4])]);
    gradcheck('linear without bias', (x, w) => T.linear(x, w), [f64([3]), f64([2, 3])]);
    gradcheck('baddbmm', (s, a, b) => T.baddbmm(s, a, b, { beta: 0.5, alpha: 2 }), [f64([2, 2, 2]), f64([2, 2, 3]), f64([2, 3, 2])]);
  }));
});

describe('gradients: convolutions', () => {
  test('conv3d: stride, padding, dilation, groups, bias', scoped(() => {
    gradcheck('conv3d stride 2 padding 1 groups 2', (x, w, b) => T.conv3d(x, w, b, { stride: 2, padding: 1, groups: 2 }), [
      f64([1, 2, 3, 3, 3]), f64([4, 1, 2, 2, 2]), f64([4]),
    ]);
    gradcheck('conv3d dilation + anisotropic stride', (x, w) => T.conv3d(x, w, null, { stride: [1, 2, 1], dilation: [2, 1, 1] }), [
      f64([2, 1, 4, 3, 2]), f64([2, 1, 2, 2, 1]),
    ]);
  }));

  test('convTranspose3d: stride, padding, outputPadding, groups, dilation', scoped(() => {
    gradcheck('convTranspose3d stride 2 padding 1 outputPadding 1', (x, w, b) => T.convTranspose3d(x, w, b, { stride: 2, padding: 1, outputPadding: 1 }), [
      f64([1, 2, 2, 2, 2]), f64([2, 1, 3, 3, 3]), f64([1]),
    ]);
    gradcheck('convTranspose3d groups + dilation', (x, w) => T.convTranspose3d(x, w, null, { groups: 2, dilation: [1, 2, 1], stride: [2, 1, 1] }), [
      f64([1, 2, 2, 2, 1]), f64([2, 2, 2, 2, 1]),
    ]);
  }));
});

describe('gradients: normalization and activations', () => {
  test('layerNorm, instanceNorm, batchNorm, groupNorm', scoped(() => {
    gradcheck('layerNorm', (x, w, b) => T.layerNorm(x, [4], w, b), [f64([3, 4]), f64([4]), f64([4])]);
    gradcheck('layerNorm 2 dims', (x) => T.layerNorm(x, [2, 3]), [f64([2, 2, 3])]);
    gradcheck('instanceNorm', (x, w, b) => T.instanceNorm(x, w, b), [f64([2, 2, 2, 2, 1]), f64([2]), f64([2])]);
    gradcheck('batchNorm training', (x, w, b) => T.batchNorm(x, w, b, { training: true }), [f64([3, 2, 2]), f64([2]), f64([2])]);
    const rm = T.zeros([2], { dtype: 'float64' });
    const rv = T.ones([2], { dtype: 'float64' }).mul(2);
    gradcheck('batchNorm eval', (x, w) => T.batchNorm(x, w, null, { runningMean: rm, runningVar: rv }), [f64([3, 2, 2]), f64([2])]);
    gradcheck('groupNorm', (x, w, b) => T.groupNorm(x, 2, w, b), [f64([2, 4, 3]), f64([4]), f64([4])]);
  }));

  test('softmax, logSoftmax, normalize', scoped(() => {
    gradcheck('softmax', (x) => x.softmax(1), [f64([2, 4])]);
    gradcheck('softmax dim 0', (x) => x.softmax(0), [f64([3, 2])]);
    gradcheck('logSoftmax', (x) => x.logSoftmax(-1), [f64([2, 4])]);
    gradcheck('normalize', (x) => x.normalize(), [f64([2, 3])]);
    gradcheck('normalize p=1 dim 0', (x) => x.normalize({ p: 1, dim: 0 }), [awayFromZero([2, 3])]);
  }));
});

describe('gradients: resampling and pooling', () => {
  test('interpolate trilinear (both corner modes) and nearest', scoped(() => {
    gradcheck('trilinear', (x) => T.interpolate(x, { size: [3, 4, 5], mode: 'trilinear' }), [f64([1, 2, 2, 3, 2])]);
    gradcheck('trilinear alignCorners', (x) => T.interpolate(x, { scaleFactor: [2, 1.5, 1], mode: 'trilinear', alignCorners: true }), [f64([1, 1, 2, 2, 3])]);
    gradcheck('nearest', (x) => T.interpolate(x, { scaleFactor: [2] }), [f64([1, 1, 2, 2, 1])]);
  }));

  test('gridSample w.r.t. input and grid', scoped(() => {
    // Grid points inside the volume, away from voxel centres (kinks of trilinear weights).
    const grid = () => T.rand([1, 2, 2, 2, 3], { dtype: 'float64' }).mul(1.4).sub(0.7);
    gradcheck('gridSample bilinear', (x, g) => T.gridSample(x, g), [f64([1, 2, 3, 3, 3]), grid()]);
    gradcheck('gridSample border alignCorners', (x, g) => T.gridSample(x, g, { paddingMode: 'border', alignCorners: true }), [f64([1, 1, 2, 3, 2]), grid()]);
    gradcheck('affineGrid + gridSample w.r.t. theta', (x, theta) => T.gridSample(x, T.affineGrid(theta, [1, 1, 2, 2, 2])), [
      f64([1, 1, 3, 3, 3]),
      T.tensor([[[0.9, 0.1, 0, 0.05], [0, 0.8, 0.1, -0.1], [0.1, 0, 0.7, 0.02]]], { dtype: 'float64' }),
    ]);
  }));

  test('maxPool3d and avgPool3d', scoped(() => {
    gradcheck('maxPool3d', (x) => T.maxPool3d(x, 2, { stride: 1 }), [distinct([1, 1, 3, 3, 3])]);
    gradcheck('maxPool3d padding', (x) => T.maxPool3d(x, 2, { stride: 2, padding: 1 }), [distinct([1, 2, 2, 3, 2])]);
    gradcheck('avgPool3d', (x) => T.avgPool3d(x, 2), [f64([1, 2, 4, 2, 2])]);
    gradcheck('avgPool3d padding excluded', (x) => T.avgPool3d(x, [2, 2, 1], { stride: 1, padding: [1, 0, 0], countIncludePad: false }), [f64([1, 1, 2, 3, 2])]);
  }));
});

describe('gradients: losses', () => {
  test('l1, mse, crossEntropy', scoped(() => {
    gradcheck('l1Loss', (a, b) => T.l1Loss(a, b), [f64([6]), f64([6]).add(5)]);
    gradcheck('l1Loss sum', (a, b) => T.l1Loss(a, b, { reduction: 'sum' }), [awayFromZero([6]), T.zeros([6], { dtype: 'float64' })]);
    gradcheck('mseLoss', (a, b) => T.mseLoss(a, b), [f64([2, 3]), f64([2, 3])]);
    gradcheck('mseLoss none', (a, b) => T.mseLoss(a, b, { reduction: 'none' }), [f64([4]), f64([4])]);
    const target = T.tensor([2, 0, 1, 1]);
    gradcheck('crossEntropy', (x) => T.crossEntropy(x, target), [f64([4, 3])]);
    const weight = T.tensor([1, 2, 0.5], { dtype: 'float64' });
    gradcheck('crossEntropy weights + ignoreIndex', (x) => T.crossEntropy(x, target, { weight, ignoreIndex: 1 }), [f64([4, 3])]);
    gradcheck('crossEntropy label smoothing', (x) => T.crossEntropy(x, target, { labelSmoothing: 0.2, ignoreIndex: 0 }), [f64([4, 3])]);
    gradcheck('crossEntropy 5-D', (x) => T.crossEntropy(x, T.tensor([[[[0, 2], [1, 1]]]])), [f64([1, 3, 1, 2, 2])]);
    gradcheck('crossEntropy probabilities', (x, p) => T.crossEntropy(x, p), [f64([2, 3]), f64([2, 3]).softmax(1)], { wrt: [0, 1] });
  }));
});

describe('gradcheck itself', () => {
  test('catches a wrong gradient', scoped(() => {
    // detach() hides one factor from autograd, so the analytic gradient of x·x is x, not 2x.
    assert.throws(() => gradcheck('wrong', (x) => x.mul(x.detach()), [f64([3])]), /autograd .* finite difference/);
  }));
});
