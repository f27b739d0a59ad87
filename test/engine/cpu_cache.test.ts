// The caching CPU allocator (native/src/cpu_cache.cpp): freed large blocks are
// reused, values survive reuse, mapped memory stays within its headroom of
// the live peak, and SMIT_CPU_CACHE=off keeps libtorch's default allocator.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as T from '../../src/engine/index.js';
import { checkNoLeaks } from '../helpers/leak_check.js';

const scoped = checkNoLeaks();
const MiB = 2 ** 20;
const engine = fileURLToPath(new URL('../../src/engine/index.js', import.meta.url));

describe('caching CPU allocator', () => {
  test('a freed block serves the next request of its size', scoped(() => {
    T.cpuCache.empty();
    T.zeros([2 * MiB]).dispose(); // 8 MiB of float32
    const before = T.cpuCache.stats();
    assert.ok(before.enabled);
    assert.ok(before.cachedBytes >= 8 * MiB, 'the block is cached, not unmapped');
    const again = T.zeros([2 * MiB]);
    const after = T.cpuCache.stats();
    assert.equal(after.hits, before.hits + 1);
    assert.equal(after.misses, before.misses);
    assert.equal(again.sum().item(), 0, 'zeros() fills a reused block');
    again.dispose();
  }));

  test('values written into reused blocks are the ones computed', scoped(() => {
    for (let round = 0; round < 3; round++) {
      T.tidy(() => {
        const x = T.arange(0, 3 * MiB, 1, { dtype: 'float32' });
        const y = x.mul(2).add(1);
        assert.equal(y.slice(0, 3 * MiB - 1, 3 * MiB).item(), 2 * (3 * MiB - 1) + 1);
        assert.equal(y.sum().item(), 2 * ((3 * MiB - 1) * 3 * MiB) / 2 + 3 * MiB);
        // GELU allocates its scratch through raw_allocate/raw_deallocate.
        assert.ok(Math.abs(T.gelu(x.div(3 * MiB)).mean().item() - 0.371) < 1e-3);
      });
    }
  }));

  test('blocks split from and joined into free ranges never overlap a live tensor', scoped(() => {
    T.cpuCache.empty();
    let seed = 11;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const held: { tensor: T.Tensor; value: number }[] = [];
    for (let i = 0; i < 300; i++) {
      if (held.length > 0 && random() < 0.5) held.splice(Math.floor(random() * held.length), 1)[0].tensor.dispose();
      else held.push({ tensor: T.full([Math.floor((0.1 + 4 * random()) * MiB / 4)], i, { dtype: 'float32' }), value: i });
    }
    assert.ok(T.cpuCache.stats().hits > 50, 'freed ranges were reused');
    for (const { tensor, value } of held) {
      assert.equal(tensor.min().item(), value);
      assert.equal(tensor.max().item(), value);
      tensor.dispose();
    }
  }));

  test('mapped bytes never exceed the peak of live bytes by more than the headroom', scoped(() => {
    T.cpuCache.empty();
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const held: T.Tensor[] = [];
    for (let i = 0; i < 200; i++) {
      if (held.length > 0 && random() < 0.45) held.splice(Math.floor(random() * held.length), 1)[0].dispose();
      else held.push(T.empty([Math.floor((1 + 15 * random()) * MiB / 4)], { dtype: 'float32' }));
      const s = T.cpuCache.stats();
      assert.ok(s.mappedBytes <= s.peakLiveBytes + Math.min(s.peakLiveBytes / 8, 64 * MiB), `step ${i}: ${s.mappedBytes} mapped, live peak ${s.peakLiveBytes}`);
    }
    held.forEach((t) => t.dispose());
    T.cpuCache.empty();
    assert.equal(T.cpuCache.stats().cachedBytes, 0);
    assert.equal(T.cpuCache.stats().mappedBytes, 0, 'every large block was handed back');
  }));

  test('SMIT_CPU_CACHE=off keeps the default allocator', () => {
    const script = `import(${JSON.stringify(engine)}).then((T) => { const x = T.ones([4 << 20]); console.log(JSON.stringify({ sum: x.sum().item(), ...T.cpuCache.stats() })); })`;
    const run = (value: string) => JSON.parse(execFileSync(process.execPath, ['-e', script], { env: { ...process.env, SMIT_CPU_CACHE: value }, encoding: 'utf8' }));
    const off = run('off');
    assert.equal(off.enabled, false);
    assert.equal(off.sum, 4 << 20);
    assert.equal(off.misses, 0);
    const on = run('on');
    assert.equal(on.enabled, true);
    assert.equal(on.misses, 1);
    assert.throws(() => execFileSync(process.execPath, ['-e', script], { env: { ...process.env, SMIT_CPU_CACHE: 'false' }, stdio: 'pipe' }), /SMIT_CPU_CACHE must be 'on' or 'off', got 'false'/);
  });
});
