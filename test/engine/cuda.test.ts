// The engine and the networks on a CUDA device against the CPU: op values,
// the precision policy there, a segmenter's forward and gradients (window
// gathers and shift masks live on the device), sliding-window segmentation.
// Skipped without a GPU; SMIT_REQUIRE_CUDA=1 (scripts/gpu-check.sh) makes a
// missing device a failure instead.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as T from '../../src/engine/index.js';
import type { Tensor } from '../../src/engine/index.js';
import { SmitSegmenter, smitConfig } from '../../src/models/index.js';

const available = T.cuda.isAvailable();
const required = process.env.SMIT_REQUIRE_CUDA === '1';
const skip = !available && !required && 'no CUDA device (SMIT_REQUIRE_CUDA=1 requires one)';

/** ‖a − b‖ / ‖b‖ with a on any device, b on the CPU. */
function relative(a: Tensor, b: Tensor): number {
  return T.tidy(() => {
    const onCpu = a.to('float32', 'cpu');
    return onCpu.sub(b.float()).norm().item() / Math.max(b.float().norm().item(), 1e-30);
  });
}

const cuda = (t: Tensor) => t.to(null, 'cuda');

describe('CUDA', { skip }, () => {
  test('a CUDA device is available to libtorch', () => {
    assert.ok(T.cuda.isAvailable(), 'libtorch sees no CUDA device: is the addon built against a CUDA libtorch?');
    assert.ok(T.cuda.deviceCount() >= 1);
  });

  test('ops on the device match the CPU', () => {
    T.manualSeed(0);
    T.tidy(() => {
      const a = T.randn([64, 96]);
      const b = T.randn([96, 48]);
      // cuBLAS in float32 (no TF32 for matmul by default) and cuDNN convolutions (TF32 allowed by default).
      assert.ok(relative(cuda(a).matmul(cuda(b)), a.matmul(b)) < 1e-5, 'matmul');
      const x = T.randn([2, 4, 12, 12, 12]);
      const w = T.randn([8, 4, 3, 3, 3]);
      assert.ok(relative(T.conv3d(cuda(x), cuda(w), null, { padding: 1 }), T.conv3d(x, w, null, { padding: 1 })) < 5e-3, 'conv3d');
      assert.ok(relative(cuda(a).softmax(-1), a.softmax(-1)) < 1e-5, 'softmax');
      assert.ok(relative(T.layerNorm(cuda(a), [96]), T.layerNorm(a, [96])) < 1e-5, 'layer norm');
      const index = T.randperm(64);
      assert.ok(relative(cuda(a).unsqueeze(0).permuteRows(cuda(index), cuda(index.argsort())), a.unsqueeze(0).permuteRows(index, index.argsort())) === 0, 'permuteRows');
    });
  });

  test('the precision policy applies on the device', () => {
    T.tidy(() => {
      const x = cuda(T.randn([8, 16]));
      const w = cuda(T.randn([4, 16]));
      T.autocast('bfloat16', () => {
        assert.equal(T.linear(x, w).dtype, 'bfloat16', 'linear computes in bfloat16');
        assert.equal(T.linear(x, w).softmax(-1).dtype, 'float32', 'softmax in float32');
        assert.equal(T.layerNorm(x, [16]).dtype, 'float32', 'layer norm in float32');
      });
      assert.equal(T.linear(x, w).dtype, 'float32', 'outside the scope: float32');
    });
  });

  test("a segmenter's forward and gradients on the device match the CPU's; nothing is left behind", () => {
    T.manualSeed(1);
    const model = new SmitSegmenter(smitConfig('tiny', { imgSize: [64, 64, 32], classes: 3, dropPathRate: 0 })).train();
    const x = T.randn([1, 1, 64, 64, 32]);
    const target = T.randint(0, 3, [1, 64, 64, 32]);
    const run = () =>
      T.tidy(() => {
        const device = model.parameters()[0].device;
        const logits = model.forward(device === 'cpu' ? x : cuda(x));
        T.crossEntropy(logits, device === 'cpu' ? target : cuda(target)).backward();
        const grads = model.parameters().map((p) => T.keep(p.grad!.to(null, 'cpu')));
        for (const p of model.parameters()) p.zeroGrad();
        return { logits: T.keep(logits.to(null, 'cpu')), grads };
      });
    const onCpu = run();
    model.to('cuda');
    run().logits.dispose(); // the first pass builds the device's window gathers and masks
    const live = T.liveTensors();
    const onGpu = run();
    assert.ok(relative(onGpu.logits, onCpu.logits) < 1e-2, `logits: relative difference ${relative(onGpu.logits, onCpu.logits)}`);
    model.namedParameters().forEach(([name], i) => {
      const error = relative(onGpu.grads[i], onCpu.grads[i]);
      assert.ok(error < 5e-2, `${name}: relative gradient difference ${error.toFixed(4)}`);
    });
    T.dispose([onGpu.logits, ...onGpu.grads]);
    assert.equal(T.liveTensors(), live, 'no tensor left behind on the device');
    T.dispose([onCpu.logits, ...onCpu.grads, x, target]);
    model.dispose();
  });
});
