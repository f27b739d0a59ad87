import assert from 'node:assert/strict';
import { test } from 'node:test';
import { batchVolumeIndices, defaultStepsPerEpoch } from '../../src/data/index.js';

test('an epoch is one shuffled pass without replacement, ⌈N/B⌉ batches with a smaller last one', () => {
  const o = { volumes: 7, batchSize: 3, stepsPerEpoch: defaultStepsPerEpoch(7, 3), seed: 5 };
  assert.equal(o.stepsPerEpoch, 3);
  for (const epoch of [0, 1, 4]) {
    const batches = [0, 1, 2].map((i) => batchVolumeIndices(epoch * 3 + i, o));
    assert.deepEqual(batches.map((b) => b.length), [3, 3, 1]);
    assert.deepEqual(batches.flat().sort(), [0, 1, 2, 3, 4, 5, 6]);
  }
  assert.notDeepEqual([0, 1, 2].flatMap((i) => batchVolumeIndices(i, o)), [3, 4, 5].flatMap((i) => batchVolumeIndices(i, o)), 'reshuffled per epoch');
  assert.deepEqual(batchVolumeIndices(4, o), batchVolumeIndices(4, { ...o }), 'a pure function of the step');
});

test('a longer epoch set by hand continues into further shuffled passes', () => {
  const o = { volumes: 4, batchSize: 2, stepsPerEpoch: 5, seed: 1 };
  const epoch = [0, 1, 2, 3, 4].flatMap((i) => batchVolumeIndices(i, o));
  assert.equal(epoch.length, 10);
  assert.deepEqual(epoch.slice(0, 4).sort(), [0, 1, 2, 3]);
  assert.deepEqual(epoch.slice(4, 8).sort(), [0, 1, 2, 3]);
});
