// Optimizers, schedules and gradient clipping against hand-computed values,
// and state dicts that resume a run exactly. (Parity with torch.optim: pytorch_parity.test.ts.)
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';

import * as T from '../../src/engine/index.js';

const { AdamW, SGD, warmupCosine, stepDecay, clipGradNorm_, clipGradNormPerParam_ } = T.optim;

const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'smit-optim-'));
after(() => fs.rmSync(tmpDir, { recursive: true, force: true }));

const param = (values: number[]) => T.keep(T.tensor(values, { dtype: 'float32' }).requiresGrad_());
const setGrad = (p: T.Tensor, values: number[]) => {
  p.grad = T.tidy(() => T.keep(T.tensor(values, { dtype: 'float32' })));
};
function close(actual: number[], expected: number[], tol = 1e-6, what = ''): void {
  assert.equal(actual.length, expected.length);
  actual.forEach((a, i) => assert.ok(Math.abs(a - expected[i]) <= tol * Math.max(1, Math.abs(expected[i])), `${what}[${i}]: ${a} vs ${expected[i]}`));
}
const f32 = Math.fround;

describe('SGD', () => {
  test('plain step: p ← p − lr·g', () => {
    const p = param([1, 2]);
    const opt = new SGD([p], { lr: 0.5 });
    setGrad(p, [0.5, -1]);
    opt.step();
    close(p.toArray(), [0.75, 2.5]);
    assert.equal(opt.stepCount, 1);
    p.dispose();
  });

  test('momentum, dampening and weight decay over two steps', () => {
    const p = param([1]);
    const opt = new SGD([p], { lr: 0.1, momentum: 0.9, dampening: 0.5, weightDecay: 0.1 });
    setGrad(p, [2]);
    opt.step(); // d = 2 + 0.1·1 = 2.1; buf = 2.1 (first step: no dampening); p = 1 − 0.21 = 0.79
    close(p.toArray(), [0.79]);
    setGrad(p, [2]);
    opt.step(); // d = 2 + 0.079 = 2.079; buf = 0.9·2.1 + 0.5·2.079 = 2.9295; p = 0.79 − 0.29295
    close(p.toArray(), [0.79 - 0.29295], 1e-6);
    const state = opt.stateDict();
    assert.deepEqual([...state.tensors.keys()], ['0.momentum_buffer']);
    close(state.tensors.get('0.momentum_buffer')!.toArray(), [2.9295]);
    p.dispose();
    T.dispose([...state.tensors.values()]);
  });

  test('nesterov: p ← p − lr·(g + μ·buf)', () => {
    const p = param([0]);
    const opt = new SGD([p], { lr: 1, momentum: 0.5, nesterov: true });
    setGrad(p, [1]);
    opt.step(); // buf = 1; d = 1 + 0.5 = 1.5
    close(p.toArray(), [-1.5]);
    setGrad(p, [1]);
    opt.step(); // buf = 1.5; d = 1 + 0.75
    close(p.toArray(), [-3.25]);
    p.dispose();
    T.dispose([...opt.stateDict().tensors.values()]);
  });

  test('rejects nesterov without momentum, and a parameter in two groups', () => {
    const p = param([0]);
    assert.throws(() => new SGD([p], { nesterov: true }), /nesterov momentum needs momentum > 0/);
    assert.throws(() => new SGD([p], { nesterov: true, momentum: 0.9, dampening: 0.1 }), /dampening 0/);
    assert.throws(() => new SGD([{ params: [p] }, { params: [p] }]), /more than one group/);
    p.dispose();
  });

  test('parameters without a gradient are skipped; groups keep their own options', () => {
    const a = param([1]);
    const b = param([1]);
    const c = param([1]);
    const opt = new SGD([{ params: [a, b], options: { lr: 0.1 } }, { params: [c], options: { lr: 1 } }], { momentum: 0.5 });
    setGrad(a, [1]);
    setGrad(c, [1]);
    opt.step();
    close(a.toArray(), [0.9]);
    close(b.toArray(), [1], 0, 'no grad, no change');
    close(c.toArray(), [0]);
    assert.deepEqual([...opt.stateDict().tensors.keys()].sort(), ['0.momentum_buffer', '2.momentum_buffer']);
    opt.setLr(0.01);
    assert.deepEqual(opt.groups.map((g) => g.options.lr), [0.01, 0.01]);
    assert.equal(opt.groups[0].options.momentum, 0.5);
    T.dispose([a, b, c, ...opt.stateDict().tensors.values()]);
  });
});

describe('AdamW', () => {
  test('the first two steps by hand', () => {
    const p = param([1, -2]);
    const lr = 0.1, wd = 0.01, b1 = 0.9, b2 = 0.999, eps = 1e-8;
    const opt = new AdamW([p], { lr, weightDecay: wd });
    const g1 = [0.5, -0.25];
    const g2 = [-1, 0.75];
    let m = [0, 0], v = [0, 0], x = [1, -2];
    for (const [t, g] of [[1, g1], [2, g2]] as [number, number[]][]) {
      setGrad(p, g);
      opt.step();
      x = x.map((xi) => xi * (1 - lr * wd));
      m = m.map((mi, i) => b1 * mi + (1 - b1) * g[i]);
      v = v.map((vi, i) => b2 * vi + (1 - b2) * g[i] * g[i]);
      x = x.map((xi, i) => xi - (lr / (1 - b1 ** t)) * m[i] / (Math.sqrt(v[i]) / Math.sqrt(1 - b2 ** t) + eps));
      close(p.toArray(), x.map(f32), 1e-6, `step ${t}`);
    }
    const state = opt.stateDict();
    close(state.tensors.get('0.exp_avg')!.toArray(), m, 1e-6);
    close(state.tensors.get('0.exp_avg_sq')!.toArray(), v, 1e-6);
    assert.equal(state.meta.step, 2);
    T.dispose([p, ...state.tensors.values()]);
  });

  test('defaults match torch.optim.AdamW', () => {
    const p = param([0]);
    const o = new AdamW([p]).groups[0].options;
    assert.deepEqual(o, { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 1e-2 });
    p.dispose();
  });
});

describe('state dicts', () => {
  /** Parameters for a small regression problem, a loss, and a run of n steps. */
  function problem(seed: number) {
    T.manualSeed(seed);
    const w = T.keep(T.randn([4, 3]).requiresGrad_());
    const b = T.keep(T.randn([4]).requiresGrad_());
    const x = T.keep(T.randn([8, 3]));
    const y = T.keep(T.randn([8, 4]));
    const run = (opt: { step(): void; zeroGrad(): void }, steps: number) => {
      for (let i = 0; i < steps; i++) {
        T.tidy(() => T.mseLoss(T.linear(x, w, b), y).backward());
        opt.step();
        opt.zeroGrad();
      }
    };
    return { params: [w, b], run, dispose: () => T.dispose([w, b, x, y]) };
  }
  const bytesOf = (ts: T.Tensor[]) => ts.map((t) => Buffer.from(t.toBytes()).toString('hex'));

  const configs: [string, (ps: T.Tensor[]) => T.optim.Optimizer<{ lr: number }>][] = [
    ['AdamW with two groups', ([w, b]) => new AdamW([{ params: [w], options: { lr: 0.05 } }, { params: [b], options: { lr: 0.01, weightDecay: 0 } }])],
    ['SGD nesterov', (ps) => new SGD(ps, { lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 1e-3 })],
  ];

  for (const [name, make] of configs) {
    test(`${name}: stop after 5 steps, save to safetensors + JSON, resume, equal to 10 straight steps`, () => {
      const straight = problem(1);
      const optA = make(straight.params);
      straight.run(optA, 10);

      const resumed = problem(1);
      const optB = make(resumed.params);
      resumed.run(optB, 5);
      const state = optB.stateDict();
      const file = path.join(tmpDir, `${name.replace(/\W+/g, '_')}.safetensors`);
      T.saveSafetensors(file, [...state.tensors, ...resumed.params.map((p, i): [string, T.Tensor] => [`param.${i}`, p])]);
      fs.writeFileSync(`${file}.json`, JSON.stringify(state.meta));

      // A fresh process would start here: new parameters, new optimizer, everything from disk.
      const loaded = T.loadSafetensors(file);
      const fresh = problem(1);
      fresh.params.forEach((p, i) => T.noGrad(() => p.copy_(loaded.tensors.get(`param.${i}`)!)));
      const optC = make(fresh.params);
      const optimizerTensors = new Map([...loaded.tensors].filter(([k]) => !k.startsWith('param.')));
      optC.loadStateDict({ tensors: optimizerTensors, meta: JSON.parse(fs.readFileSync(`${file}.json`, 'utf8')) });
      assert.equal(optC.stepCount, 5);
      // The optimizer took over its tensors; the parameter copies are ours to dispose.
      T.dispose([...loaded.tensors].filter(([k]) => k.startsWith('param.')).map(([, t]) => t));
      fresh.run(optC, 5);

      assert.deepEqual(bytesOf(fresh.params), bytesOf(straight.params), 'bit-identical parameters');
      const sa = optA.stateDict().tensors;
      const sc = optC.stateDict().tensors;
      assert.deepEqual([...sc.keys()].sort(), [...sa.keys()].sort());
      for (const [k, t] of sa) assert.deepEqual(bytesOf([sc.get(k)!]), bytesOf([t]), k);
      for (const opt of [optA, optB, optC]) T.dispose([...opt.stateDict().tensors.values()]);
      straight.dispose();
      resumed.dispose();
      fresh.dispose();
    });
  }

  test('loadStateDict takes over the tensors it is given; reloading its own state works', () => {
    const a = problem(2);
    const optA = new AdamW(a.params, { lr: 0.01 });
    a.run(optA, 3);
    optA.loadStateDict(optA.stateDict());
    a.run(optA, 1); // would throw "tensor was disposed" if the reload had disposed what it keeps
    assert.equal(optA.stepCount, 4);

    // Loaded state survives tidy scopes (it is kept) and is disposed when replaced.
    const b = problem(2);
    const optB = new AdamW(b.params, { lr: 0.01 });
    const copy = (opt: T.optim.Optimizer<{ lr: number }>) => {
      const s = opt.stateDict();
      return { tensors: new Map([...s.tensors].map(([k, t]) => [k, t.clone()])), meta: s.meta };
    };
    const first = T.tidy(() => {
      const c = copy(optA);
      optB.loadStateDict(c);
      return [...c.tensors.values()];
    });
    assert.ok(first.every((t) => !t.disposed), 'kept beyond the scope that made them');
    const before = optA.stateDict().tensors.get('0.exp_avg')!.toArray();
    b.run(optB, 2);
    assert.deepEqual(optA.stateDict().tensors.get('0.exp_avg')!.toArray(), before, "optB's steps leave optA's state alone");
    assert.equal(optB.stepCount, 6);
    optB.loadStateDict(copy(optA));
    assert.ok(first.every((t) => t.disposed), 'replaced state is disposed');
    for (const opt of [optA, optB]) T.dispose([...opt.stateDict().tensors.values()]);
    a.dispose();
    b.dispose();
  });

  test('loadStateDict rejects mismatched groups and shapes, leaving the state as it was', () => {
    const a = problem(3);
    const opt = new SGD(a.params, { lr: 0.1, momentum: 0.9 });
    a.run(opt, 1);
    const wrongShape = T.zeros([2]);
    assert.throws(() => opt.loadStateDict({ tensors: new Map([['0.momentum_buffer', wrongShape]]), meta: { step: 1, groups: [{}] } }), /has shape 2, parameter 4×3/);
    assert.throws(() => opt.loadStateDict({ tensors: new Map(), meta: { step: 1, groups: [{}, {}] } }), /2 parameter groups, this optimizer 1/);
    assert.throws(() => opt.loadStateDict({ tensors: new Map([['5.momentum_buffer', wrongShape]]), meta: { step: 1, groups: [{}] } }), /names parameter 5, but there are 2/);
    assert.equal(opt.stateDict().tensors.get('0.momentum_buffer')!.disposed, false);
    a.run(opt, 1);
    T.dispose([wrongShape, ...opt.stateDict().tensors.values()]);
    a.dispose();
  });
});

describe('schedules', () => {
  test('warmupCosine at sample steps', () => {
    const o = { base: 1e-3, final: 1e-5, warmupSteps: 10, totalSteps: 110 };
    close([warmupCosine(0, o)], [0]);
    close([warmupCosine(5, o)], [(1e-3 * 5) / 9]);
    close([warmupCosine(9, o)], [1e-3], 1e-15, 'base on the last warm-up step');
    close([warmupCosine(10, o)], [1e-3]);
    close([warmupCosine(60, o)], [(1e-3 + 1e-5) / 2]);
    close([warmupCosine(35, o)], [1e-5 + 0.5 * (1e-3 - 1e-5) * (1 + Math.cos(Math.PI / 4))]);
    close([warmupCosine(110, o)], [1e-5]);
    close([warmupCosine(500, o)], [1e-5], 1e-12, 'clamped after the end');
    close([warmupCosine(2, { ...o, warmupStart: 1e-4 })], [1e-4 + (9e-4 * 2) / 9]);
    close([warmupCosine(0, { base: 1, warmupSteps: 0, totalSteps: 4 })], [1]);
    close([warmupCosine(2, { base: 1, warmupSteps: 0, totalSteps: 4 })], [0.5]);
    // Monotone: up during warm-up, down after.
    for (let s = 1; s < 110; s++) {
      const [a, b] = [warmupCosine(s - 1, o), warmupCosine(s, o)];
      assert.ok(s <= 9 ? b > a : s === 10 ? b === a : b < a, `step ${s}`);
    }
  });

  test('stepDecay at sample steps', () => {
    const o = { base: 0.1, stepSize: 30 };
    close([stepDecay(0, o), stepDecay(29, o), stepDecay(30, o), stepDecay(65, o)], [0.1, 0.1, 0.01, 0.001]);
    close([stepDecay(10, { base: 1, stepSize: 5, gamma: 0.5 })], [0.25]);
  });
});

describe('gradient clipping', () => {
  test('clipGradNorm_ scales all gradients by maxNorm / total norm', () => {
    const a = param([0, 0]);
    const b = param([0]);
    setGrad(a, [3, 4]);
    setGrad(b, [12]);
    const total = clipGradNorm_([a, b], 6.5);
    close([total], [13]);
    const coef = 6.5 / (13 + 1e-6);
    close(T.tidy(() => a.grad!.toArray()), [3 * coef, 4 * coef]);
    close(T.tidy(() => b.grad!.toArray()), [12 * coef]);
    // Below the limit nothing changes.
    close([clipGradNorm_([a, b], 100)], [6.5], 1e-6);
    close(T.tidy(() => b.grad!.toArray()), [12 * coef]);
    T.dispose([a, b]);
  });

  test('parameters without gradients are ignored', () => {
    const a = param([0]);
    const b = param([0]);
    assert.equal(clipGradNorm_([a, b], 1), 0);
    setGrad(b, [-2]);
    close([clipGradNorm_([a, b], 1)], [2]);
    assert.equal(T.tidy(() => a.grad), undefined);
    T.dispose([a, b]);
  });

  test('clipGradNormPerParam_ clips each gradient on its own', () => {
    const a = param([0, 0]);
    const b = param([0]);
    setGrad(a, [3, 4]);
    setGrad(b, [0.5]);
    const norms = clipGradNormPerParam_([a, b], 1);
    close(norms, [5, 0.5]);
    close(T.tidy(() => a.grad!.toArray()), [3 / (5 + 1e-6), 4 / (5 + 1e-6)]);
    close(T.tidy(() => b.grad!.toArray()), [0.5]);
    T.dispose([a, b]);
  });
});

describe('optimizer memory', () => {
  test('steps allocate nothing that outlives them', () => {
    const p = problem();
    function problem() {
      T.manualSeed(5);
      const w = T.keep(T.randn([16, 16]).requiresGrad_());
      return { w };
    }
    for (const opt of [new AdamW([p.w]), new SGD([p.w], { momentum: 0.9, nesterov: true, weightDecay: 0.1 })]) {
      const step = () => {
        T.tidy(() => p.w.square().sum().backward());
        opt.step();
        opt.zeroGrad();
      };
      step();
      const start = T.liveTensors();
      for (let i = 0; i < 10; i++) step();
      assert.equal(T.liveTensors(), start);
      T.dispose([...opt.stateDict().tensors.values()]);
    }
    p.w.dispose();
  });
});
