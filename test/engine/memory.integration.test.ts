// Deterministic release of native memory: tidy scopes, keep, dispose, and a
// long training loop whose memory stays flat.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, test } from 'node:test';

import * as T from '../../src/engine/index.js';

describe('tidy, keep, dispose', () => {
  test('tidy disposes everything except what it returns', () => {
    const start = T.liveTensors();
    let inner: T.Tensor[] = [];
    const out = T.tidy(() => {
      const a = T.ones([4]);
      const b = a.add(1).mul(2);
      inner = [a, b, b.exp()];
      return b.sum();
    });
    assert.equal(T.liveTensors(), start + 1);
    assert.ok(inner.every((t) => t.disposed));
    assert.equal(out.disposed, false);
    assert.equal(out.item(), 16);
    out.dispose();
    assert.equal(T.liveTensors(), start);
  });

  test('returned tensors are found in arrays, plain objects and maps', () => {
    const start = T.liveTensors();
    const result = T.tidy(() => {
      T.ones([1]);
      return { list: [T.ones([1]), T.zeros([1])], nested: { deep: T.ones([2]) }, map: new Map([['m', T.ones([3])]]), n: 5 };
    });
    assert.equal(T.liveTensors(), start + 4);
    assert.equal(result.map.get('m')!.numel(), 3);
    T.dispose(result);
    assert.equal(T.liveTensors(), start);
    assert.ok(result.list.every((t) => t.disposed) && result.nested.deep.disposed);
  });

  test('kept tensors survive every scope', () => {
    const start = T.liveTensors();
    let kept!: T.Tensor;
    let plain!: T.Tensor;
    T.tidy(() => {
      T.tidy(() => {
        kept = T.keep(T.ones([2]));
        plain = T.ones([2]);
      });
    });
    assert.equal(kept.disposed, false);
    assert.equal(plain.disposed, true);
    assert.equal(T.liveTensors(), start + 1);
    const list = T.tidy(() => T.keep([T.ones([1]), T.ones([1])]));
    assert.equal(T.liveTensors(), start + 3);
    kept.dispose();
    T.dispose(list);
    assert.equal(T.liveTensors(), start);
  });

  test('nested tidy moves returned tensors to the parent scope', () => {
    const start = T.liveTensors();
    let fromInner!: T.Tensor;
    const outer = T.tidy(() => {
      fromInner = T.tidy(() => T.ones([2]).mul(3));
      assert.equal(fromInner.disposed, false, 'alive inside the parent');
      const survivor = T.tidy(() => T.ones([1]));
      return survivor;
    });
    assert.equal(fromInner.disposed, true, 'disposed with the parent, which did not return it');
    assert.equal(outer.disposed, false, 'returned through both scopes');
    outer.dispose();
    assert.equal(T.liveTensors(), start);
  });

  test('an exception inside tidy still disposes, and propagates', () => {
    const start = T.liveTensors();
    let made!: T.Tensor;
    assert.throws(
      () =>
        T.tidy(() => {
          made = T.ones([8]);
          T.tidy(() => {
            T.ones([8]);
            T.matmul(T.ones([2, 3]), T.ones([2, 3]));
          });
        }),
      /cannot be multiplied/,
    );
    assert.equal(made.disposed, true);
    assert.equal(T.liveTensors(), start);
    // Scopes unwound: a later tidy's result is not swallowed by a stale scope.
    const t = T.tidy(() => T.ones([1]));
    assert.equal(t.disposed, false);
    t.dispose();
  });

  test('an async function is refused and what it made is disposed', async () => {
    const start = T.liveTensors();
    const refused = (() => {
      try {
        T.tidy(async () => {
          T.ones([16]);
          return 1;
        });
        return false;
      } catch (e) {
        return e instanceof TypeError && /synchronous/.test(e.message);
      }
    })();
    assert.ok(refused);
    assert.equal(T.liveTensors(), start);
  });

  test('gradient handles read inside tidy are released', () => {
    const p = T.keep(T.ones([3]).requiresGrad_());
    const start = T.liveTensors();
    T.tidy(() => {
      p.mul(2).sum().backward();
      assert.deepEqual(p.grad!.toArray(), [2, 2, 2]);
    });
    assert.equal(T.liveTensors(), start);
    p.dispose();
  });

  test('native bytes are reported while alive and returned on dispose; views report none', () => {
    const start = T.reportedBytes();
    const t = T.zeros([1000]);
    assert.equal(T.reportedBytes(), start + 4000);
    const v = t.view([10, 100]);
    assert.equal(T.reportedBytes(), start + 4000, 'a view shares its base storage');
    t.dispose();
    v.dispose();
    assert.equal(T.reportedBytes(), start);
  });

  test('toArray of half tensors creates nothing that outlives it', () => {
    const h = T.ones([4], { dtype: 'float16' });
    const start = T.liveTensors();
    assert.deepEqual(h.toArray(), [1, 1, 1, 1]);
    assert.equal(T.liveTensors(), start);
    h.dispose();
  });

  test('a training step returns liveTensors to its start', () => {
    T.manualSeed(0);
    const w = T.keep(T.randn([8, 4]).requiresGrad_());
    const b = T.keep(T.zeros([8]).requiresGrad_());
    const opt = new T.optim.AdamW([w, b], { lr: 1e-2 });
    const step = () =>
      T.tidy(() => {
        const x = T.randn([16, 4]);
        const loss = T.mseLoss(T.linear(x, w, b).tanh(), T.zeros([16, 8]));
        loss.backward();
        T.optim.clipGradNorm_([w, b], 1);
        opt.step();
        opt.zeroGrad();
        return loss.item();
      });
    step(); // creates the optimizer state (2 slots per parameter)
    const start = T.liveTensors();
    for (let i = 0; i < 20; i++) step();
    assert.equal(T.liveTensors(), start);
    T.dispose([w, b, ...opt.stateDict().tensors.values()]);
  });
});

describe('long-run memory', () => {
  test('a 64→128→64→1 MLP trained 5,000 steps with AdamW: RSS and liveTensors stay flat', () => {
    const engine = new URL('../../src/engine/index.js', import.meta.url).href;
    const script = `
import * as T from ${JSON.stringify(engine)};
T.manualSeed(0);
const layer = (o, i) => [T.keep(T.randn([o, i]).mul_(Math.sqrt(2 / i)).requiresGrad_()), T.keep(T.zeros([o]).requiresGrad_())];
const params = [...layer(128, 64), ...layer(64, 128), ...layer(1, 64)];
const [w1, b1, w2, b2, w3, b3] = params;
const opt = new T.optim.AdamW(params, { lr: 1e-3, weightDecay: 1e-2 });
const target = T.keep(T.randn([64]));
const samples = [];
let rss500 = 0, live500 = 0, firstLoss = 0, lastLoss = 0;
for (let step = 1; step <= 5000; step++) {
  const loss = T.tidy(() => {
    const x = T.randn([32, 64]);
    const y = x.matmul(target).unsqueeze(1).tanh();
    const h = T.linear(x, w1, b1).gelu();
    const h2 = T.linear(h, w2, b2).relu();
    const l = T.mseLoss(T.linear(h2, w3, b3), y);
    l.backward();
    opt.step();
    opt.zeroGrad();
    return l.item();
  });
  if (step <= 50) firstLoss += loss / 50;
  if (step > 4950) lastLoss += loss / 50;
  if (step === 500) { rss500 = process.memoryUsage.rss(); live500 = T.liveTensors(); }
  if (step % 500 === 0) samples.push({ step, live: T.liveTensors(), rss: process.memoryUsage.rss() });
}
console.log(JSON.stringify({ rss500, live500, samples, firstLoss, lastLoss }));
`;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smit-memory-'));
    try {
      const file = path.join(dir, 'mlp-5000.mjs');
      fs.writeFileSync(file, script);
      const child = spawnSync(process.execPath, [file], { encoding: 'utf8', timeout: 120_000 });
      assert.equal(child.status, 0, `child failed (${child.status} ${child.signal}): ${child.stderr}`);
      const r = JSON.parse(child.stdout.trim().split('\n').pop()!);
      const last = r.samples[r.samples.length - 1];
      assert.equal(last.step, 5000);
      for (const s of r.samples) assert.equal(s.live, r.live500, `liveTensors at step ${s.step}`);
      const ratio = last.rss / r.rss500;
      assert.ok(Math.abs(ratio - 1) <= 0.1, `RSS at step 5000 is ${(ratio * 100).toFixed(1)} % of RSS at step 500 (${JSON.stringify(r.samples)})`);
      assert.ok(r.lastLoss < r.firstLoss * 0.5, `the MLP learns: loss ${r.firstLoss} → ${r.lastLoss}`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
