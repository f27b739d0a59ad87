import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SeededRandom } from '../../src/data/index.js';
import { blockMask } from '../../src/ssl/block_mask.js';

test('block masks: ⌈0.7·n⌉ of 16³ blocks, token and patch levels agree, seeded', () => {
  const a = blockMask([96, 96, 96], { block: 16, ratio: 0.7, patch: 2 }, new SeededRandom(4));
  const b = blockMask([96, 96, 96], { block: 16, ratio: 0.7, patch: 2 }, new SeededRandom(4));
  assert.deepEqual(a.tokenMask.shape, [6, 6, 6]);
  assert.deepEqual(a.patchMask.shape, [48, 48, 48]);
  assert.equal(a.tokenMask.sum().item(), Math.ceil(0.7 * 216));
  assert.equal(a.patchMask.sum().item(), Math.ceil(0.7 * 216) * 512);
  assert.deepEqual(a.tokenMask.toArray(), b.tokenMask.toArray());
  assert.equal(a.patchMask.select(0, 8).select(0, 17).select(0, 40).item(), a.tokenMask.select(0, 1).select(0, 2).select(0, 5).item());
  const c = blockMask([96, 96, 32], { block: 16, ratio: 0.7, patch: 2 }, new SeededRandom(5));
  assert.deepEqual(c.tokenMask.shape, [6, 6, 2]);
  assert.throws(() => blockMask([96, 96, 40], { block: 16, ratio: 0.7, patch: 2 }, new SeededRandom(1)), /not a multiple/);
});
