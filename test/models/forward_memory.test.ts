// A forward pass hands its caller its outputs and nothing else: every feature
// map it made on the way is released before it returns (the peak-memory rule
// of src/models), with and without a graph.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as T from '../../src/engine/index.js';
import type { Tensor } from '../../src/engine/index.js';
import { SmitNetwork, SmitSegmenter } from '../../src/models/index.js';
import { smitConfig } from '../../src/models/smit/config.js';

const config = smitConfig('tiny', { imgSize: [32, 32, 32], classes: 3, headHidden: 32, headBottleneck: 16, outDim: 64 });

/** Native tensors alive inside the caller's scope right after `forward`, beyond what it returned. */
function leftBehind(forward: () => Tensor[]): number {
  // The first pass fills the per-grid caches of window masks and gathers.
  T.tidy(() => {
    forward();
  });
  return T.tidy(() => {
    const before = T.liveTensors();
    const outputs = forward();
    return T.liveTensors() - before - outputs.length;
  });
}

describe('forward passes release their intermediates', () => {
  T.manualSeed(5);
  const x = T.keep(T.randn([2, 1, 32, 32, 32]));
  const mask = T.keep(T.randint(0, 2, [2, 16, 16, 16]));
  const teacher = new SmitNetwork({ ...config, dropPathRate: 0 }, 'teacher').eval().requiresGrad_(false);
  const student = new SmitNetwork(config, 'student').train();
  const segmenter = new SmitSegmenter(config).train();

  test('the teacher (no graph) leaves only cls and patch', () => {
    const extra = leftBehind(() => T.noGrad(() => Object.values(teacher.forward(x, undefined, { reconstruct: false }))));
    assert.equal(extra, 0);
  });

  test('the masked student leaves only its three outputs, with a graph and without', () => {
    assert.equal(leftBehind(() => Object.values(student.forward(x, mask))), 0);
    assert.equal(leftBehind(() => T.noGrad(() => Object.values(student.forward(x, mask)))), 0);
  });

  test('the segmenter leaves only its logits, with a graph and without', () => {
    assert.equal(leftBehind(() => [segmenter.forward(x)]), 0);
    assert.equal(leftBehind(() => T.noGrad(() => [segmenter.forward(x)])), 0);
  });

  test('a graph-free forward gives the same outputs as one with a graph (the in-place softmax)', () => {
    T.tidy(() => {
      const model = new SmitSegmenter({ ...config, dropPathRate: 0 }).eval();
      const withGraph = model.forward(x).toArray();
      const without = T.noGrad(() => model.forward(x)).toArray();
      assert.deepEqual(without, withGraph);
      model.dispose();
    });
  });
});
