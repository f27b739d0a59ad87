import assert from 'node:assert/strict';
import { afterEach, beforeEach } from 'node:test';
import * as T from '../../src/engine/index.js';

/**
 * Fails any test of the calling file that leaves native tensors behind, and
 * returns `scoped`, which runs a test body inside a tidy scope.
 */
export function checkNoLeaks(): (fn: () => void) => () => void {
  let live = 0;
  beforeEach(() => {
    live = T.liveTensors();
  });
  afterEach(() => {
    assert.equal(T.liveTensors(), live, 'test leaked tensors');
  });
  return (fn) => () => T.tidy(fn);
}
