// Release of intermediates: consuming() and pipe() free feature maps as soon
// as their last consumer has run, and autograd still has what backward needs.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as T from '../../src/engine/index.js';
import type { Tensor } from '../../src/engine/index.js';
import { checkNoLeaks } from '../helpers/leak_check.js';

const scoped = checkNoLeaks();

describe('consuming and pipe', () => {
  test('pipe holds two results at a time and leaves its input to the caller', scoped(() => {
    const x = T.tensor([1, 2, 3], { dtype: 'float32' });
    const before = T.liveTensors();
    let peak = 0;
    const step = (t: Tensor) => {
      const next = t.mul(2);
      peak = Math.max(peak, T.liveTensors() - before);
      return next;
    };
    const out = T.pipe(x, step, step, step, step);
    assert.deepEqual(out.toArray(), [16, 32, 48]);
    assert.equal(peak, 2, 'the previous result and the new one');
    assert.equal(T.liveTensors() - before, 1, 'only the result is left');
    assert.deepEqual(x.toArray(), [1, 2, 3], 'x is not released');
  }));

  test('consuming releases its inputs after the function, skipping undefined', scoped(() => {
    const a = T.tensor([1, 2], { dtype: 'float32' });
    const b = T.tensor([3, 4], { dtype: 'float32' });
    const before = T.liveTensors();
    const sum = T.consuming([a, undefined, b], () => a.add(b));
    assert.deepEqual(sum.toArray(), [4, 6]);
    assert.equal(T.liveTensors() - before, -1, 'a and b released, the sum created');
  }));

  test('gradients through released intermediates equal those of the plain expression', scoped(() => {
    const x = T.tensor([0.5, -1, 2], { dtype: 'float32' }).requiresGrad_();
    T.pipe(x, (t) => t.mul(t), (t) => t.sin(), (t) => t.sum()).backward();
    const piped = x.grad!.toArray();
    x.zeroGrad();
    x.mul(x).sin().sum().backward();
    assert.deepEqual(piped, x.grad!.toArray());
  }));
});
