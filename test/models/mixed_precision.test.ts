// Training in bfloat16: the segmenter's gradients under T.autocast against
// float32's, and no tensor left behind by the casts.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as T from '../../src/engine/index.js';
import type { Tensor } from '../../src/engine/index.js';
import { SmitNetwork, SmitSegmenter } from '../../src/models/index.js';
import { smitConfig } from '../../src/models/smit/config.js';

describe('mixed precision', () => {
  // Gradients of a network at initialisation are ill-conditioned: in float32,
  // rounding only the input to bfloat16 already moves the deep layers' norm and
  // attention gradients by 10–15 %. bfloat16 compute is held to a few times
  // that sensitivity, parameter by parameter (measured: at most 2.7×), and the
  // whole gradient to a cosine of 0.999 with float32's.
  // Without bfloat16 instructions libtorch 1.13 accumulates bf16 matmul/bmm in
  // bfloat16, and --precision bf16 is refused there (resolvePrecision).
  const native = T.cpuHasBf16() || 'this CPU has no bfloat16 instructions: bf16 is refused here (resolvePrecision), libtorch accumulates its matmul in bfloat16';
  test('a segmenter\'s gradients under bfloat16 agree with float32 within bfloat16\'s own sensitivity; no tensor leaks', { skip: native === true ? false : native }, () => {
    T.manualSeed(3);
    const model = new SmitSegmenter(smitConfig('tiny', { imgSize: [32, 32, 32], classes: 3, dropPathRate: 0 })).train();
    const x = T.randn([1, 1, 32, 32, 32]);
    // The encoder caches its window masks and gather indices per grid on the first pass.
    T.noGrad(() => T.tidy(() => model.forward(x)));
    const live = T.liveTensors();
    const roundedX = T.tidy(() => x.to('bfloat16').float());
    const target = T.randint(0, 3, [1, 32, 32, 32]);
    const gradients = (precision: T.ResolvedPrecision, input: Tensor): Tensor[] => {
      T.tidy(() => T.crossEntropy(T.withPrecision(precision, () => model.forward(input)), target).backward());
      const grads = T.tidy(() => model.parameters().map((p) => T.keep(p.grad!.clone())));
      for (const p of model.parameters()) p.zeroGrad();
      return grads;
    };
    const full = gradients('fp32', x);
    const mixed = gradients('bf16', x);
    const perturbed = gradients('fp32', roundedX);
    const relative = (a: Tensor, b: Tensor) => T.tidy(() => a.sub(b).norm().item() / Math.max(b.norm().item(), 1e-30));
    model.namedParameters().forEach(([name], i) => {
      assert.equal(mixed[i].dtype, 'float32', `${name}: the gradient of a float32 parameter is float32`);
      const error = relative(mixed[i], full[i]);
      const sensitivity = relative(perturbed[i], full[i]);
      assert.ok(error <= 4 * sensitivity + 0.02, `${name}: relative gradient error ${error.toFixed(4)}, sensitivity to a bf16-rounded input ${sensitivity.toFixed(4)}`);
    });
    const cosine = T.tidy(() => {
      const a = T.cat(mixed.map((g) => g.flatten()));
      const b = T.cat(full.map((g) => g.flatten()));
      return a.mul(b).sum().item() / (a.norm().item() * b.norm().item());
    });
    assert.ok(cosine > 0.999 && cosine < 1 - 1e-7, `cosine of the whole gradient with float32's: ${cosine} (bfloat16 must change it, a little)`);
    T.dispose([...full, ...mixed, ...perturbed, roundedX, target]);
    for (const p of model.parameters()) p.grad = undefined;
    assert.equal(T.liveTensors(), live, 'every tensor made under the scopes was released');
    T.dispose([x]);
    model.dispose();
  });

  test('the pre-training network under bfloat16 gives float32 prototype logits and reconstruction', () => {
    T.manualSeed(4);
    const config = smitConfig('tiny', { imgSize: [32, 32, 32], dropPathRate: 0 });
    const student = new SmitNetwork(config, 'student').train();
    T.tidy(() => {
      const out = T.withPrecision('bf16', () => student.forward(T.rand([2, 1, 32, 32, 32]), T.zeros([2, 16, 16, 16], { dtype: 'int64' })));
      assert.deepEqual([out.cls.dtype, out.patch.dtype, out.reconstruction!.dtype], ['float32', 'float32', 'float32']);
    });
    student.dispose();
  });
});
