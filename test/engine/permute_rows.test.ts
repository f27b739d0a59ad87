// The row permutation that replaces roll + window partition in Swin blocks.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as T from '../../src/engine/index.js';

test('permuteRows gathers rows and its gradient is the inverse gather', () => {
  T.tidy(() => {
    const x = T.randn([2, 5, 3]).requiresGrad_();
    const index = T.tensor([3, 0, 4, 1, 2]);
    const inverse = index.argsort();
    const y = x.permuteRows(index, inverse);
    assert.deepEqual(y.select(1, 0).toArray(), x.select(1, 3).toArray());
    const g = T.randn([2, 5, 3]);
    y.mul(g).sum().backward();
    assert.deepEqual(x.grad!.toArray(), g.indexSelect(1, inverse).toArray());
  });
});

test('permuteRows refuses an index that is not a permutation of the rows', () => {
  const x = T.zeros([1, 4, 2]);
  assert.throws(() => x.permuteRows(T.tensor([0, 1, 2]), T.tensor([0, 1, 2])), /permutations of the 4 rows/);
});
