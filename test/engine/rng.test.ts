// Random number generation: seeding and state capture replay the same sequences.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import * as T from '../../src/engine/index.js';

/** One draw of every random op, as plain numbers. */
function draws(): number[][] {
  return T.tidy(() => [
    T.rand([5]).toArray(),
    T.randn([5]).toArray(),
    T.randint(0, 1000, [5]).toArray(),
    T.randperm(20).toArray(),
    T.bernoulli(T.zeros([8]), 0.5).toArray(),
    T.dropout(T.ones([8]), 0.5).toArray(),
    T.empty([5]).uniform_(-1, 1).toArray(),
    T.empty([5]).normal_(2, 3).toArray(),
    T.empty([5]).truncNormal_(0, 1, -1, 1).toArray(),
    T.randLike(T.zeros([3])).toArray(),
    T.randnLike(T.zeros([3])).toArray(),
  ]);
}

describe('rng', () => {
  test('manualSeed gives identical sequences for every random op', () => {
    T.manualSeed(42);
    const a = draws();
    const a2 = draws();
    T.manualSeed(42);
    const b = draws();
    const b2 = draws();
    assert.deepEqual(b, a);
    assert.deepEqual(b2, a2);
    assert.notDeepEqual(a2, a, 'successive draws differ');
    T.manualSeed(43);
    assert.notDeepEqual(draws(), a, 'another seed, another sequence');
  });

  test('large sequences replay exactly', () => {
    T.manualSeed(7);
    const first = T.tidy(() => T.randn([100000]).toBytes());
    T.manualSeed(7);
    const second = T.tidy(() => T.randn([100000]).toBytes());
    assert.ok(Buffer.from(first).equals(Buffer.from(second)));
  });

  test('getRngState / setRngState replay from the captured point', () => {
    T.manualSeed(3);
    draws();
    const state = T.getRngState();
    assert.equal(state.dtype, 'uint8');
    assert.ok(state.numel() > 0);
    const after = draws();
    T.manualSeed(999);
    draws();
    T.setRngState(state);
    assert.deepEqual(draws(), after);
    // The state is a copy: drawing does not change it.
    T.setRngState(state);
    assert.deepEqual(draws(), after);
    state.dispose();
  });

  test('a state round-trips through bytes (checkpointing)', () => {
    T.manualSeed(11);
    const bytes = T.tidy(() => T.getRngState().toBytes());
    const expected = draws();
    T.tidy(() => T.setRngState(T.fromBytes(bytes, 'uint8', [bytes.length])));
    assert.deepEqual(draws(), expected);
  });

  test('an invalid state is rejected with an error', () => {
    T.tidy(() => {
      assert.throws(() => T.setRngState(T.zeros([3], { dtype: 'uint8' })), /RNG state|size/);
      assert.throws(() => T.setRngState(T.zeros([3])), /ByteTensor/);
    });
  });
});
