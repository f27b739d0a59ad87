// The fused window-attention kernel and row permutation against the plain
// libtorch composition they replace.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as T from '../../src/engine/index.js';

function attentionReference(q: T.Tensor, k: T.Tensor, v: T.Tensor, bias: T.Tensor, mask: T.Tensor | null, scale: number): T.Tensor {
  let logits = q.mul(scale).matmul(k.transpose(-2, -1)).add(bias.unsqueeze(0));
  if (mask !== null) {
    const [w, h, n] = q.shape;
    const nW = mask.size(0);
    logits = logits.view([w / nW, nW, h, n, n]).add(mask.unsqueeze(1)).view([w, h, n, n]);
  }
  return logits.softmax(-1).matmul(v);
}

for (const withMask of [true, false]) {
  test(`fused window attention equals softmax(q kᵀ·s + bias${withMask ? ' + mask' : ''}) v, values and gradients`, () => {
    T.tidy(() => {
      T.manualSeed(11);
      const [W, h, n, d, nW] = [12, 3, 64, 8, 4];
      const inputs = [T.randn([W, h, n, d]), T.randn([W, h, n, d]), T.randn([W, h, n, d]), T.randn([h, n, n])].map((t) => t.requiresGrad_());
      const mask = withMask ? T.randint(0, 2, [nW, n, n]).to('float32').mul(-100) : null;
      const upstream = T.randn([W, h, n, d]);
      const [q, k, v, bias] = inputs;
      const fused = T.windowAttention(q, k, v, bias, mask, 0.35);
      fused.mul(upstream).sum().backward();
      const wide = inputs.map((t) => t.detach().to('float64').requiresGrad_());
      const reference = attentionReference(wide[0], wide[1], wide[2], wide[3], mask?.to('float64') ?? null, 0.35);
      reference.mul(upstream.to('float64')).sum().backward();
      assert.ok(fused.to('float64').sub(reference).abs().max().item() < 1e-5, 'forward');
      inputs.forEach((t, i) => {
        const diff = t.grad!.to('float64').sub(wide[i].grad!).abs().max().item();
        assert.ok(diff < 1e-4, `gradient ${['q', 'k', 'v', 'bias'][i]}: ${diff}`);
      });
    });
  });
}

test('window attention checks its shapes', () => {
  const q = T.zeros([2, 1, 8, 4]);
  assert.throws(() => T.windowAttention(q, q, q, T.zeros([1, 8, 7]), null, 1), /bias must be \[heads, n, n\]/);
  assert.throws(() => T.windowAttention(q, q, q, T.zeros([1, 8, 8]), T.zeros([3, 8, 8]), 1), /multiple of nW/);
});

test('permuteRows gathers rows and its gradient is the inverse gather', () => {
  T.tidy(() => {
    const x = T.randn([2, 5, 3]).requiresGrad_();
    const index = T.tensor([3, 0, 4, 1, 2]);
    const inverse = index.argsort0();
    const y = x.permuteRows(index, inverse);
    assert.deepEqual(y.select(1, 0).toArray(), x.select(1, 3).toArray());
    const g = T.randn([2, 5, 3]);
    y.mul(g).sum().backward();
    assert.deepEqual(x.grad!.toArray(), g.indexSelect(1, inverse).toArray());
  });
});
