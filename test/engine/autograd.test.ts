// The autograd API: requiresGrad_, backward, grad, zeroGrad, detach and the grad-mode scopes.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';

import * as T from '../../src/engine/index.js';

let live = 0;
beforeEach(() => {
  live = T.liveTensors();
});
afterEach(() => {
  assert.equal(T.liveTensors(), live, 'test leaked tensors');
  assert.equal(T.isGradEnabled(), true, 'grad mode restored');
});
const scoped = (fn: () => void) => () => T.tidy(fn);
const leaf = (values: number[]) => T.tensor(values, { dtype: 'float32' }).requiresGrad_();

describe('autograd', () => {
  test('requiresGrad_ marks leaves; results of ops on them require grad', scoped(() => {
    const x = T.tensor([1, 2], { dtype: 'float32' });
    assert.equal(x.requiresGrad, false);
    assert.equal(x.requiresGrad_(), x, 'returns the receiver');
    assert.equal(x.requiresGrad, true);
    assert.equal(x.mul(2).requiresGrad, true);
    assert.equal(T.ones([2]).mul(2).requiresGrad, false);
    x.requiresGrad_(false);
    assert.equal(x.requiresGrad, false);
    assert.throws(() => T.tensor([1, 2]).requiresGrad_(), /floating point/);
  }));

  test('backward of a scalar gives d/dx', scoped(() => {
    const x = leaf([1, -2, 3]);
    x.square().sum().backward();
    assert.deepEqual(x.grad!.toArray(), [2, -4, 6]);
    // A leaf used twice: d/dx (x·x + x) = 2x + 1.
    const y = leaf([0.5, 2]);
    y.mul(y).add(y).sum().backward();
    assert.deepEqual(y.grad!.toArray(), [2, 5]);
  }));

  test('backward with an explicit gradient for non-scalar outputs', scoped(() => {
    const x = leaf([1, 2, 3]);
    const y = x.mul(3);
    assert.throws(() => y.backward(), /grad can be implicitly created only for scalar outputs/);
    y.backward(T.tensor([1, 2, 3], { dtype: 'float32' }));
    assert.deepEqual(x.grad!.toArray(), [3, 6, 9]);
  }));

  test('a second backward needs retainGraph; gradients accumulate', scoped(() => {
    const x = leaf([1, 2]);
    const loss = x.exp().sum();
    loss.backward(undefined, { retainGraph: true });
    const once = x.grad!.toArray();
    loss.backward();
    const twice = x.grad!.toArray();
    twice.forEach((v, i) => assert.ok(Math.abs(v - 2 * once[i]) < 1e-5));
    assert.throws(() => loss.backward(), /backward through the graph a second time/);
  }));

  test('gradients accumulate over separate graphs until zeroGrad', scoped(() => {
    const x = leaf([1, 2]);
    x.mul(2).sum().backward();
    x.mul(3).sum().backward();
    assert.deepEqual(x.grad!.toArray(), [5, 5]);
    x.zeroGrad();
    assert.equal(x.grad, undefined);
    x.mul(4).sum().backward();
    assert.deepEqual(x.grad!.toArray(), [4, 4]);
  }));

  test('the grad setter replaces or clears the gradient', scoped(() => {
    const x = leaf([1, 2]);
    x.grad = T.tensor([7, 8], { dtype: 'float32' });
    assert.deepEqual(x.grad!.toArray(), [7, 8]);
    x.sum().backward();
    assert.deepEqual(x.grad!.toArray(), [8, 9], 'backward adds to a set gradient');
    x.grad = undefined;
    assert.equal(x.grad, undefined);
  }));

  test('the grad handle aliases the stored gradient', scoped(() => {
    const x = leaf([1, 2]);
    x.sum().backward();
    x.grad!.mul_(10);
    assert.deepEqual(x.grad!.toArray(), [10, 10]);
  }));

  test('non-leaf tensors keep no gradient; leaves not in the graph get none', scoped(() => {
    const x = leaf([1, 2]);
    const unused = leaf([3]);
    const mid = x.mul(2);
    mid.sum().backward();
    assert.equal(mid.grad, undefined);
    assert.equal(unused.grad, undefined);
    assert.deepEqual(x.grad!.toArray(), [2, 2]);
  }));

  test('detach shares storage and stops gradients', scoped(() => {
    const x = leaf([1, 2]);
    const d = x.detach();
    assert.equal(d.requiresGrad, false);
    assert.ok(d.dataPtrEqual(x));
    x.mul(d).sum().backward();
    assert.deepEqual(x.grad!.toArray(), [1, 2], 'only the attached factor is differentiated');
  }));

  test('noGrad builds no graph and restores the mode, also after a throw', scoped(() => {
    const x = leaf([1, 2]);
    const y = T.noGrad(() => {
      assert.equal(T.isGradEnabled(), false);
      return x.mul(2);
    });
    assert.equal(y.requiresGrad, false);
    assert.throws(() => y.sum().backward(), /does not require grad/);
    assert.equal(T.isGradEnabled(), true);
    assert.throws(() => T.noGrad(() => { throw new Error('inner'); }), /inner/);
    assert.equal(T.isGradEnabled(), true);
    // In-place updates of leaves are allowed inside noGrad (optimizer steps).
    T.noGrad(() => x.add_(1));
    assert.deepEqual(x.toArray(), [2, 3]);
    assert.throws(() => x.add_(1), /leaf Variable that requires grad/);
  }));

  test('enableGrad inside noGrad builds a graph again', scoped(() => {
    const x = leaf([1, 2]);
    const y = T.noGrad(() =>
      T.enableGrad(() => {
        assert.equal(T.isGradEnabled(), true);
        return x.square();
      }),
    );
    assert.equal(y.requiresGrad, true);
    y.sum().backward();
    assert.deepEqual(x.grad!.toArray(), [2, 4]);
    T.noGrad(() => {
      T.enableGrad(() => undefined);
      assert.equal(T.isGradEnabled(), false, 'enableGrad restores the enclosing mode');
    });
  }));

  test('inferenceMode builds no graph; its tensors cannot be saved for backward', scoped(() => {
    const x = leaf([1, 2]);
    const y = T.inferenceMode(() => {
      assert.equal(T.isGradEnabled(), false);
      return x.mul(2);
    });
    assert.equal(y.requiresGrad, false);
    assert.deepEqual(y.toArray(), [2, 4]);
    assert.equal(T.isGradEnabled(), true);
    assert.throws(() => x.mul(y).sum().backward(), /Inference tensors cannot be saved for backward/);
    assert.throws(() => T.inferenceMode(() => { throw new Error('inner'); }), /inner/);
    assert.equal(T.isGradEnabled(), true);
    // Nested scopes unwind in order.
    T.inferenceMode(() => T.inferenceMode(() => undefined));
    assert.equal(x.mul(2).requiresGrad, true);
  }));

  test('in-place modification of a saved tensor is detected at backward', scoped(() => {
    const x = leaf([1, 2]);
    const y = x.exp();
    const z = y.mul(y);
    y.add_(1);
    assert.throws(() => z.sum().backward(), /modified by an inplace operation/);
  }));

  test('gradients flow through integer-free paths only', scoped(() => {
    const x = leaf([0.4, 1.6]);
    assert.equal(x.round().requiresGrad, true);
    x.round().add(x).sum().backward();
    assert.deepEqual(x.grad!.toArray(), [1, 1], 'round has zero gradient');
    assert.equal(x.gt(1).requiresGrad, false, 'comparisons are not differentiable');
  }));
});
