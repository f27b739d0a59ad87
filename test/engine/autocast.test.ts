// Mixed precision: the policy of native/ops.decl inside T.autocast, scopes
// that nest and restore, and what `--precision auto` chooses. (Gradients of a
// network under bfloat16: test/models/mixed_precision.test.ts.)
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as T from '../../src/engine/index.js';
import { checkNoLeaks } from '../helpers/leak_check.js';

const scoped = checkNoLeaks();

describe('autocast', () => {
  test('matrix products compute in bfloat16, the @full ops in float32, the rest in their inputs\' dtype', scoped(() => {
    T.tidy(() => {
      const x = T.randn([2, 4, 8]);
      const w = T.randn([6, 8]);
      const dtypes = T.autocast('bfloat16', () => {
        const h = T.linear(x, w);
        const logits = T.matmul(h, h.transpose(1, 2));
        const image = T.randn([1, 2, 4, 4, 4]).to('bfloat16');
        return {
          linear: h.dtype,
          matmul: logits.dtype,
          bmm: T.bmm(h, h.transpose(1, 2)).dtype,
          softmax: T.softmax(logits, -1).dtype,
          logSoftmax: T.logSoftmax(logits, -1).dtype,
          layerNorm: T.layerNorm(h, [6]).dtype,
          conv3d: T.conv3d(image, T.randn([3, 2, 3, 3, 3]), null, { padding: 1 }).dtype,
          sum: h.sum().dtype,
          gelu: T.gelu(h).dtype,
          addFloat32: h.add(T.randn([2, 4, 6])).dtype,
          indices: T.argmax(logits, -1).dtype,
        };
      });
      assert.deepEqual(dtypes, {
        linear: 'bfloat16', matmul: 'bfloat16', bmm: 'bfloat16', softmax: 'float32', logSoftmax: 'float32',
        layerNorm: 'float32', conv3d: 'float32', sum: 'float32', gelu: 'bfloat16', addFloat32: 'float32', indices: 'int64',
      });
      assert.equal(T.linear(x, w).dtype, 'float32', 'outside the scope nothing is cast');
    });
  }));

  test('scopes nest, restore the outer one on exit and on a throw, and refuse other dtypes', () => {
    assert.equal(T.autocastDtype(), null);
    T.autocast('bfloat16', () => {
      assert.equal(T.autocastDtype(), 'bfloat16');
      T.autocast(null, () => assert.equal(T.autocastDtype(), null));
      assert.equal(T.autocastDtype(), 'bfloat16');
      assert.throws(() => T.autocast('float16', () => { throw new Error('inner failure'); }), /inner failure/);
      assert.equal(T.autocastDtype(), 'bfloat16');
    });
    assert.equal(T.autocastDtype(), null);
    assert.throws(() => T.autocast('float64' as never, () => 0), /dtype must be 'bfloat16', 'float16' or null/);
    assert.equal(T.autocastDtype(), null);
  });
});

describe('--precision auto', () => {
  const cpuinfo = (flags: string) => `processor\t: 0\nflags\t\t: fpu sse2 ${flags}\n`;
  test('bf16 on a CPU with AVX512-BF16 or AMX-BF16 or on CUDA, else fp32; explicit choices are kept', () => {
    assert.equal(T.resolvePrecision('auto', 'cpu', cpuinfo('avx2 avx512f avx512_bf16')), 'bf16');
    assert.equal(T.resolvePrecision('auto', 'cpu', cpuinfo('avx2 amx_bf16 amx_tile')), 'bf16');
    assert.equal(T.resolvePrecision('auto', 'cpu', cpuinfo('avx2 avx512f')), 'fp32');
    assert.equal(T.resolvePrecision('auto', 'cuda', cpuinfo('avx2')), 'bf16');
    assert.equal(T.resolvePrecision('fp32', 'cpu', cpuinfo('avx512_bf16')), 'fp32');
    assert.equal(T.resolvePrecision('bf16', 'cpu', cpuinfo('avx512_bf16')), 'bf16');
    assert.equal(T.resolvePrecision('bf16', 'cuda', cpuinfo('avx2')), 'bf16');
  });

  test('an explicit bf16 on a CPU without bfloat16 instructions is refused, naming the option and the reason', () => {
    assert.throws(() => T.resolvePrecision('bf16', 'cpu', cpuinfo('avx2 avx512f')), /--precision bf16: this CPU has no bfloat16 instructions.*use fp32 or auto/);
  });
});
