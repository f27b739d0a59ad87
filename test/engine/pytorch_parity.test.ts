// Parity with PyTorch (Debian's /usr/bin/python3 with torch): optimizers,
// gradient clipping, a batch of ops (forward and backward), and .pt state dicts.
// Tensors travel through safetensors files; the Python side reads and writes
// them with a few lines of json + struct + numpy (no safetensors package there).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, test, type TestContext } from 'node:test';

import * as T from '../../src/engine/index.js';
import { requirePython, runPython } from '../helpers/env.js';

const needsTorch = (t: TestContext) => requirePython(t, ['torch', 'numpy']);

const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'smit-parity-'));
after(() => fs.rmSync(tmpDir, { recursive: true, force: true }));

const SAFETENSORS_PY = `
import json, struct, sys
import numpy as np
import torch
CODES = {'F32': np.float32, 'F64': np.float64, 'F16': np.float16, 'I64': np.int64, 'I32': np.int32,
         'I16': np.int16, 'I8': np.int8, 'U8': np.uint8, 'BOOL': np.bool_}
NAMES = {np.dtype(v).str: k for k, v in CODES.items()}
def load_st(path):
    raw = open(path, 'rb').read()
    n = struct.unpack('<Q', raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    meta = header.pop('__metadata__', {})
    out = {}
    for k, v in header.items():
        a, b = v['data_offsets']
        arr = np.frombuffer(raw[8 + n + a:8 + n + b], dtype=CODES[v['dtype']]).reshape(v['shape'])
        out[k] = torch.from_numpy(arr.copy())
    return out, meta
def save_st(path, tensors):
    header, blobs, off = {}, [], 0
    for k, t in tensors.items():
        a = t.detach().contiguous().numpy()
        b = a.tobytes()
        header[k] = {'dtype': NAMES[a.dtype.str], 'shape': list(a.shape), 'data_offsets': [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header).encode()
    h += b' ' * (-len(h) % 8)
    open(path, 'wb').write(struct.pack('<Q', len(h)) + h + b''.join(blobs))
`;

/** Runs `body` after the safetensors helpers above. */
function runTorch(body: string, ...args: string[]): string {
  return runPython(SAFETENSORS_PY + body, { args });
}

/** Max |a − b| over two same-shaped tensors (compared as float64). */
function maxDiff(a: T.Tensor, b: T.Tensor): number {
  assert.deepEqual(a.shape, b.shape, 'shapes');
  return T.tidy(() => a.to('float64').sub(b.to('float64')).abs().max().item());
}

// --- optimizers ----------------------------------------------------------------

interface GroupConfig {
  params: number[];
  lr: number;
  weight_decay: number;
  betas?: [number, number];
  eps?: number;
  momentum?: number;
  dampening?: number;
  nesterov?: boolean;
}
interface OptimizerConfig {
  name: string;
  kind: 'adamw' | 'sgd';
  groups: GroupConfig[];
  /** Learning rate set on every group before each step. */
  lrs?: number[];
  /** step → parameters that get no gradient at that step. */
  skip?: Record<string, number[]>;
}

const STEPS = 10;
const SHAPES = [[3, 4], [4], [2, 3, 2]];
const schedule = Array.from({ length: STEPS }, (_, s) => T.optim.warmupCosine(s, { base: 0.05, final: 1e-3, warmupSteps: 3, totalSteps: STEPS, warmupStart: 0.005 }));

const OPTIMIZERS: OptimizerConfig[] = [
  { name: 'adamw', kind: 'adamw', groups: [{ params: [0, 1, 2], lr: 1e-2, betas: [0.9, 0.999], eps: 1e-8, weight_decay: 1e-2 }] },
  {
    name: 'adamw_two_groups', kind: 'adamw', groups: [
      { params: [0], lr: 3e-2, betas: [0.8, 0.99], eps: 1e-6, weight_decay: 0.05 },
      { params: [1, 2], lr: 5e-3, betas: [0.9, 0.999], eps: 1e-8, weight_decay: 0 },
    ],
  },
  { name: 'adamw_scheduled', kind: 'adamw', groups: [{ params: [0, 1, 2], lr: 0, betas: [0.9, 0.95], eps: 1e-8, weight_decay: 0.04 }], lrs: schedule },
  { name: 'sgd', kind: 'sgd', groups: [{ params: [0, 1, 2], lr: 0.1, weight_decay: 0 }] },
  { name: 'sgd_momentum_dampening_wd', kind: 'sgd', groups: [{ params: [0, 1, 2], lr: 0.05, momentum: 0.9, dampening: 0.1, weight_decay: 1e-3 }] },
  { name: 'sgd_nesterov_wd', kind: 'sgd', groups: [{ params: [0, 1, 2], lr: 0.05, momentum: 0.9, nesterov: true, weight_decay: 1e-2 }] },
  {
    name: 'sgd_two_groups_missing_grads', kind: 'sgd', groups: [
      { params: [0, 2], lr: 0.1, momentum: 0.9, weight_decay: 0 },
      { params: [1], lr: 0.01, momentum: 0.5, nesterov: true, weight_decay: 0.1 },
    ],
    skip: { 0: [2], 1: [2], 4: [0] },
  },
];

const OPTIMIZER_PY = `
tensors, meta = load_st(sys.argv[1])
configs = json.loads(meta['configs'])
steps, nparams = int(meta['steps']), int(meta['nparams'])
out = {}
for cfg in configs:
    params = [tensors['p%d' % i].clone().requires_grad_() for i in range(nparams)]
    groups = []
    for g in cfg['groups']:
        d = {k: (tuple(v) if k == 'betas' else v) for k, v in g.items() if k != 'params'}
        d['params'] = [params[i] for i in g['params']]
        groups.append(d)
    opt = torch.optim.AdamW(groups) if cfg['kind'] == 'adamw' else torch.optim.SGD(groups)
    for s in range(steps):
        if 'lrs' in cfg:
            for g in opt.param_groups:
                g['lr'] = cfg['lrs'][s]
        skip = cfg.get('skip', {}).get(str(s), [])
        for i, p in enumerate(params):
            p.grad = None if i in skip else tensors['g%d.%d' % (s, i)].clone()
        opt.step()
    for i, p in enumerate(params):
        out['%s.p%d' % (cfg['name'], i)] = p.detach()
        for k, v in opt.state.get(p, {}).items():
            if k != 'step' and v is not None:
                out['%s.%s.%d' % (cfg['name'], k, i)] = v
save_st(sys.argv[2], out)
`;

function runOptimizerInEngine(cfg: OptimizerConfig, inputs: Map<string, T.Tensor>): { params: T.Tensor[]; opt: T.optim.Optimizer<{ lr: number }> } {
  const params = SHAPES.map((_, i) => T.keep(inputs.get(`p${i}`)!.clone().requiresGrad_()));
  const groups = cfg.groups.map((g) => ({
    params: g.params.map((i) => params[i]),
    options: cfg.kind === 'adamw'
      ? { lr: g.lr, beta1: g.betas![0], beta2: g.betas![1], eps: g.eps!, weightDecay: g.weight_decay }
      : { lr: g.lr, momentum: g.momentum ?? 0, dampening: g.dampening ?? 0, weightDecay: g.weight_decay, nesterov: g.nesterov ?? false },
  }));
  const opt = cfg.kind === 'adamw'
    ? new T.optim.AdamW(groups as { params: T.Tensor[]; options: Partial<T.optim.AdamWOptions> }[])
    : new T.optim.SGD(groups as { params: T.Tensor[]; options: Partial<T.optim.SGDOptions> }[]);
  for (let s = 0; s < STEPS; s++) {
    if (cfg.lrs) opt.setLr(cfg.lrs[s]);
    const skip = cfg.skip?.[s] ?? [];
    params.forEach((p, i) => {
      T.tidy(() => {
        p.grad = skip.includes(i) ? undefined : inputs.get(`g${s}.${i}`)!.clone();
      });
    });
    opt.step();
  }
  return { params, opt };
}

/** Makes parameters and per-step gradients (of varied scale), saved for Python. */
function optimizerInputs(file: string, configs: OptimizerConfig[]): Map<string, T.Tensor> {
  T.manualSeed(2024);
  const inputs = new Map<string, T.Tensor>();
  SHAPES.forEach((shape, i) => inputs.set(`p${i}`, T.keep(T.randn(shape))));
  for (let s = 0; s < STEPS; s++) {
    SHAPES.forEach((shape, i) => inputs.set(`g${s}.${i}`, T.keep(T.tidy(() => T.randn(shape).mul(10 ** (i - 1))))));
  }
  T.saveSafetensors(file, inputs, { configs: JSON.stringify(configs), steps: String(STEPS), nparams: String(SHAPES.length) });
  return inputs;
}

describe('optimizers against torch.optim', () => {
  test('AdamW and SGD: 10 steps give the parameters and state of torch.optim to 1e-6', async (t) => {
    if (!needsTorch(t)) return;
    const inFile = path.join(tmpDir, 'optim-in.safetensors');
    const outFile = path.join(tmpDir, 'optim-out.safetensors');
    const inputs = optimizerInputs(inFile, OPTIMIZERS);
    runTorch(OPTIMIZER_PY, inFile, outFile);
    const reference = T.loadSafetensors(outFile).tensors;
    for (const cfg of OPTIMIZERS) {
      await t.test(cfg.name, () => {
        const { params, opt } = runOptimizerInEngine(cfg, inputs);
        params.forEach((p, i) => {
          const d = maxDiff(p, reference.get(`${cfg.name}.p${i}`)!);
          assert.ok(d <= 1e-6, `${cfg.name} parameter ${i}: max |Δ| = ${d}`);
        });
        // State tensors, keyed by the parameter's position in group order.
        const order = cfg.groups.flatMap((g) => g.params);
        const state = opt.stateDict().tensors;
        const slots = cfg.kind === 'adamw' ? ['exp_avg', 'exp_avg_sq'] : cfg.groups.some((g) => g.momentum) ? ['momentum_buffer'] : [];
        for (const [key, ours] of state) {
          const [k, slot] = [Number(key.split('.')[0]), key.split('.')[1]];
          if (slot === 'step') continue; // per-parameter step counts: checked by the test below
          const theirs = reference.get(`${cfg.name}.${slot}.${order[k]}`);
          assert.ok(theirs, `torch has state ${slot} for parameter ${order[k]}`);
          const d = maxDiff(ours, theirs);
          assert.ok(d <= 1e-6, `${cfg.name} ${slot} of parameter ${order[k]}: max |Δ| = ${d}`);
        }
        // Every parameter had a gradient at some step, so each has its slots.
        assert.equal([...state.keys()].filter((k) => !k.endsWith('.step')).length, SHAPES.length * slots.length, `${cfg.name}: number of state tensors`);
        T.dispose([...params, ...state.values()]);
      });
    }
    T.dispose([...inputs.values(), ...reference.values()]);
  });

  test('AdamW counts steps per parameter like torch (a parameter without gradients on early steps)', (t) => {
    if (!needsTorch(t)) return;
    const cfg: OptimizerConfig = { name: 'adamw_late_param', kind: 'adamw', groups: [{ params: [0, 1, 2], lr: 1e-2, betas: [0.9, 0.999], eps: 1e-8, weight_decay: 0 }], skip: { 0: [2], 1: [2], 2: [2] } };
    const inFile = path.join(tmpDir, 'optim-late-in.safetensors');
    const outFile = path.join(tmpDir, 'optim-late-out.safetensors');
    const inputs = optimizerInputs(inFile, [cfg]);
    runTorch(OPTIMIZER_PY, inFile, outFile);
    const reference = T.loadSafetensors(outFile).tensors;
    const { params, opt } = runOptimizerInEngine(cfg, inputs);
    try {
      params.forEach((p, i) => {
        const d = maxDiff(p, reference.get(`${cfg.name}.p${i}`)!);
        assert.ok(d <= 1e-6, `parameter ${i}: max |Δ| = ${d}`);
      });
    } finally {
      T.dispose([...params, ...opt.stateDict().tensors.values(), ...inputs.values(), ...reference.values()]);
    }
  });

  test('clipGradNorm_ matches torch.nn.utils.clip_grad_norm_', (t) => {
    if (!needsTorch(t)) return;
    T.manualSeed(77);
    const grads = [T.keep(T.randn([3, 4])), T.keep(T.randn([5]).mul(3)), T.keep(T.randn([2, 2, 2]).mul(0.1))];
    const maxNorms = [0.5, 2, 1000];
    const inFile = path.join(tmpDir, 'clip-in.safetensors');
    const outFile = path.join(tmpDir, 'clip-out.safetensors');
    T.saveSafetensors(inFile, grads.map((g, i): [string, T.Tensor] => [`g${i}`, g]), { maxNorms: JSON.stringify(maxNorms) });
    runTorch(`
tensors, meta = load_st(sys.argv[1])
out = {}
for j, max_norm in enumerate(json.loads(meta['maxNorms'])):
    ps = []
    for i in range(len(tensors)):
        p = torch.zeros_like(tensors['g%d' % i]).requires_grad_()
        p.grad = tensors['g%d' % i].clone()
        ps.append(p)
    total = torch.nn.utils.clip_grad_norm_(ps, max_norm)
    out['c%d.total' % j] = total.reshape(1)
    for i, p in enumerate(ps):
        out['c%d.g%d' % (j, i)] = p.grad
save_st(sys.argv[2], out)
`, inFile, outFile);
    const reference = T.loadSafetensors(outFile).tensors;
    maxNorms.forEach((maxNorm, j) => {
      const params = grads.map((g) => T.keep(T.zerosLike(g).requiresGrad_()));
      params.forEach((p, i) => T.tidy(() => { p.grad = grads[i].clone(); }));
      const total = T.optim.clipGradNorm_(params, maxNorm);
      const torchTotal = T.tidy(() => reference.get(`c${j}.total`)!.item());
      assert.ok(Math.abs(total - torchTotal) <= 1e-6 * torchTotal, `maxNorm ${maxNorm}: total ${total} vs ${torchTotal}`);
      params.forEach((p, i) => {
        const g = p.grad!;
        const d = maxDiff(g, reference.get(`c${j}.g${i}`)!);
        assert.ok(d <= 1e-6, `maxNorm ${maxNorm}, gradient ${i}: max |Δ| = ${d}`);
        g.dispose();
      });
      T.dispose(params);
    });
    T.dispose([...grads, ...reference.values()]);
  });
});

// --- ops ---------------------------------------------------------------------

describe('ops against torch', () => {
  test('a batch of ops, forward and backward, agree with torch to float32 precision', async (t) => {
    if (!needsTorch(t)) return;
    T.manualSeed(99);
    const inputs = new Map<string, T.Tensor>([
      ['x', T.randn([2, 4, 5, 6, 7])],
      ['w_conv', T.randn([6, 2, 3, 3, 2])],
      ['b_conv', T.randn([6])],
      ['w_convT', T.randn([4, 3, 2, 3, 3])],
      ['grid', T.rand([2, 3, 4, 5, 3]).mul(2.4).sub(1.2)],
      ['theta', T.eye(3, 4).unsqueeze(0).repeat([2, 1, 1]).add(T.randn([2, 3, 4]).mul(0.1))],
      ['gn_w', T.randn([4])],
      ['gn_b', T.randn([4])],
      ['ln_w', T.randn([7])],
      ['ln_b', T.randn([7])],
      ['target', T.randint(0, 4, [2, 5, 6, 7])],
      ['ce_w', T.rand([4]).add(0.5)],
      ['gout_conv', T.randn([2, 6, 3, 2, 4])],
      ['gout_grid', T.randn([2, 4, 3, 4, 5])],
    ]);
    T.keep([...inputs.values()]);
    const X = (k: string) => inputs.get(k)!;
    /** Gradients of sum(f(inputs) · gout) with respect to the named inputs. */
    const grad = (f: (...xs: T.Tensor[]) => T.Tensor, wrt: string[], gout: string) =>
      T.tidy(() => {
        const leaves = wrt.map((k) => X(k).clone().requiresGrad_());
        f(...leaves).mul(X(gout)).sum().backward();
        return leaves.map((l) => l.grad!);
      });

    const ours: Record<string, () => T.Tensor> = {
      conv3d: () => T.conv3d(X('x'), X('w_conv'), X('b_conv'), { stride: [2, 1, 2], padding: [1, 0, 1], dilation: [1, 2, 1], groups: 2 }),
      convTranspose3d: () => T.convTranspose3d(X('x'), X('w_convT'), null, { stride: [2, 1, 2], padding: [1, 1, 0], outputPadding: [1, 0, 1], groups: 2, dilation: [1, 1, 2] }),
      trilinear_scale: () => T.interpolate(X('x'), { scaleFactor: [1.7, 1.3, 0.6], mode: 'trilinear' }),
      trilinear_size_align: () => T.interpolate(X('x'), { size: [3, 9, 4], mode: 'trilinear', alignCorners: true }),
      nearest_scale: () => T.interpolate(X('x'), { scaleFactor: [1.5, 2, 0.5] }),
      grid_bilinear_zeros: () => T.gridSample(X('x'), X('grid')),
      grid_bilinear_border_align: () => T.gridSample(X('x'), X('grid'), { paddingMode: 'border', alignCorners: true }),
      grid_nearest_reflection: () => T.gridSample(X('x'), X('grid'), { mode: 'nearest', paddingMode: 'reflection' }),
      affine_grid: () => T.affineGrid(X('theta'), [2, 4, 3, 4, 5]),
      group_norm: () => T.groupNorm(X('x'), 2, X('gn_w'), X('gn_b')),
      layer_norm: () => T.layerNorm(X('x'), [7], X('ln_w'), X('ln_b')),
      instance_norm: () => T.instanceNorm(X('x')),
      cross_entropy: () => T.crossEntropy(X('x'), X('target'), { weight: X('ce_w'), ignoreIndex: 3, labelSmoothing: 0.1 }).reshape([1]),
      cross_entropy_none: () => T.crossEntropy(X('x'), X('target'), { weight: X('ce_w'), ignoreIndex: 3, reduction: 'none' }),
      max_pool_ceil: () => T.maxPool3d(X('x'), 3, { stride: 2, padding: 1, ceilMode: true }),
      avg_pool_exclude: () => T.avgPool3d(X('x'), [2, 3, 2], { stride: [1, 2, 2], padding: [1, 1, 0], ceilMode: true, countIncludePad: false }),
      pad_reflect: () => T.pad(X('x'), [1, 2, 0, 1, 2, 1], 'reflect'),
      pad_replicate: () => T.pad(X('x'), [1, 2, 0, 1, 2, 1], 'replicate'),
      std_correction2: () => T.std(X('x'), [1, 3], true, { correction: 2 }),
      var_correction0: () => T.var(X('x'), [0, 4], false, { correction: 0 }),
      gelu_tanh: () => X('x').gelu({ approximate: 'tanh' }),
      normalize: () => X('x').normalize({ p: 1.5, dim: 2 }),
      softmax: () => X('x').softmax(1),
      log_softmax: () => X('x').logSoftmax(-1),
      vector_norm: () => X('x').norm(3, [2, 4]),
      logsumexp: () => X('x').logsumexp([1, 2]),
      quantile: () => X('x').flatten().quantile(0.3).reshape([1]),
      lerp: () => T.lerp(X('x'), X('x').flip([4]), 0.3),
      conv3d_grads: () => T.cat(grad((x, w) => T.conv3d(x, w, X('b_conv'), { stride: [2, 1, 2], padding: [1, 0, 1], dilation: [1, 2, 1], groups: 2 }), ['x', 'w_conv'], 'gout_conv').map((g) => g.flatten())),
      grid_sample_grads: () => T.cat(grad((x, g) => T.gridSample(x, g), ['x', 'grid'], 'gout_grid').map((g) => g.flatten())),
    };
    const OPS_PY = `
X, _ = load_st(sys.argv[1])
F = torch.nn.functional
def grads(f, names, gout):
    leaves = [X[n].clone().requires_grad_() for n in names]
    (f(*leaves) * X[gout]).sum().backward()
    return torch.cat([l.grad.flatten() for l in leaves])
x = X['x']
ops = {
  'conv3d': lambda: F.conv3d(x, X['w_conv'], X['b_conv'], stride=(2, 1, 2), padding=(1, 0, 1), dilation=(1, 2, 1), groups=2),
  'convTranspose3d': lambda: F.conv_transpose3d(x, X['w_convT'], None, stride=(2, 1, 2), padding=(1, 1, 0), output_padding=(1, 0, 1), groups=2, dilation=(1, 1, 2)),
  'trilinear_scale': lambda: F.interpolate(x, scale_factor=(1.7, 1.3, 0.6), mode='trilinear', align_corners=False),
  'trilinear_size_align': lambda: F.interpolate(x, size=(3, 9, 4), mode='trilinear', align_corners=True),
  'nearest_scale': lambda: F.interpolate(x, scale_factor=(1.5, 2, 0.5), mode='nearest'),
  'grid_bilinear_zeros': lambda: F.grid_sample(x, X['grid'], mode='bilinear', padding_mode='zeros', align_corners=False),
  'grid_bilinear_border_align': lambda: F.grid_sample(x, X['grid'], mode='bilinear', padding_mode='border', align_corners=True),
  'grid_nearest_reflection': lambda: F.grid_sample(x, X['grid'], mode='nearest', padding_mode='reflection', align_corners=False),
  'affine_grid': lambda: F.affine_grid(X['theta'], [2, 4, 3, 4, 5], align_corners=False),
  'group_norm': lambda: F.group_norm(x, 2, X['gn_w'], X['gn_b']),
  'layer_norm': lambda: F.layer_norm(x, [7], X['ln_w'], X['ln_b']),
  'instance_norm': lambda: F.instance_norm(x),
  'cross_entropy': lambda: F.cross_entropy(x, X['target'], weight=X['ce_w'], ignore_index=3, label_smoothing=0.1).reshape(1),
  'cross_entropy_none': lambda: F.cross_entropy(x, X['target'], weight=X['ce_w'], ignore_index=3, reduction='none'),
  'max_pool_ceil': lambda: F.max_pool3d(x, 3, stride=2, padding=1, ceil_mode=True),
  'avg_pool_exclude': lambda: F.avg_pool3d(x, (2, 3, 2), stride=(1, 2, 2), padding=(1, 1, 0), ceil_mode=True, count_include_pad=False),
  'pad_reflect': lambda: F.pad(x, [1, 2, 0, 1, 2, 1], mode='reflect'),
  'pad_replicate': lambda: F.pad(x, [1, 2, 0, 1, 2, 1], mode='replicate'),
  'std_correction2': lambda: torch.std(x, dim=(1, 3), keepdim=True, correction=2),
  'var_correction0': lambda: torch.var(x, dim=(0, 4), keepdim=False, correction=0),
  'gelu_tanh': lambda: F.gelu(x, approximate='tanh'),
  'normalize': lambda: F.normalize(x, p=1.5, dim=2),
  'softmax': lambda: F.softmax(x, 1),
  'log_softmax': lambda: F.log_softmax(x, -1),
  'vector_norm': lambda: torch.linalg.vector_norm(x, 3, dim=(2, 4)),
  'logsumexp': lambda: torch.logsumexp(x, (1, 2)),
  'quantile': lambda: torch.quantile(x.flatten(), 0.3).reshape(1),
  'lerp': lambda: torch.lerp(x, x.flip(4), 0.3),
  'conv3d_grads': lambda: grads(lambda a, w: F.conv3d(a, w, X['b_conv'], stride=(2, 1, 2), padding=(1, 0, 1), dilation=(1, 2, 1), groups=2), ['x', 'w_conv'], 'gout_conv'),
  'grid_sample_grads': lambda: grads(lambda a, g: F.grid_sample(a, g, align_corners=False), ['x', 'grid'], 'gout_grid'),
}
save_st(sys.argv[2], {k: f() for k, f in ops.items()})
`;
    const inFile = path.join(tmpDir, 'ops-in.safetensors');
    const outFile = path.join(tmpDir, 'ops-out.safetensors');
    T.saveSafetensors(inFile, inputs);
    runTorch(OPS_PY, inFile, outFile);
    const reference = T.loadSafetensors(outFile).tensors;
    assert.deepEqual([...reference.keys()].sort(), Object.keys(ours).sort());
    for (const [name, compute] of Object.entries(ours)) {
      await t.test(name, () => {
        T.tidy(() => {
          const mine = compute();
          const theirs = reference.get(name)!;
          assert.equal(mine.dtype, theirs.dtype);
          const scale = Math.max(1, theirs.abs().max().item());
          const d = maxDiff(mine, theirs);
          assert.ok(d <= 1e-5 * scale, `${name}: max |Δ| = ${d} (scale ${scale})`);
        });
      });
    }
    T.dispose([...inputs.values(), ...reference.values()]);
  });
});

// --- .pt checkpoints ---------------------------------------------------------

describe('.pt state dicts from torch.save', () => {
  test('loadTorchStateDict gives the values torch saved (dtypes, views, shared storage, nesting)', (t) => {
    if (!needsTorch(t)) return;
    const ptFile = path.join(tmpDir, 'state.pt');
    const refFile = path.join(tmpDir, 'state-ref.safetensors');
    runTorch(`
torch.manual_seed(0)
base = torch.randn(4, 6)
model = {
    'layer.weight': torch.randn(3, 4),
    'layer.bias': torch.randn(3),
    'bn.num_batches_tracked': torch.tensor(7),
    'mask': torch.tensor([True, False, True]),
    'half': torch.randn(5).half(),
    'ints': torch.arange(10, dtype=torch.int32),
    'i16': torch.arange(-3, 3, dtype=torch.int16),
    'i8': torch.arange(-4, 4, dtype=torch.int8),
    'u8': torch.arange(250, 256, dtype=torch.uint8),
    'f64': torch.randn(2, 2, dtype=torch.float64),
    'transposed': base.t(),
    'strided_view': base[1:3, ::2],
    'shared': base,
    'scalar': torch.tensor(3.5),
    'empty': torch.zeros(0, 3),
    'blocks': [torch.ones(2), torch.full((2,), 2.0)],
}
bf16 = torch.randn(5).bfloat16()
torch.save({'model': dict(model, bf16=bf16), 'epoch': 3, 'args': {'lr': 0.1}}, sys.argv[1])
flat = {}
for k, v in model.items():
    if isinstance(v, list):
        for i, t in enumerate(v):
            flat['model.%s.%d' % (k, i)] = t
    else:
        flat['model.' + k] = v
flat['model.bf16.as_float32'] = bf16.float()
save_st(sys.argv[2], flat)
`, ptFile, refFile);
    const loaded = T.loadTorchStateDict(ptFile);
    const reference = T.loadSafetensors(refFile).tensors;
    try {
      const expectedKeys = [...reference.keys()].map((k) => k.replace('.as_float32', '')).sort();
      assert.deepEqual([...loaded.keys()].sort(), expectedKeys, 'every tensor under its dotted path; non-tensors skipped');
      for (const [name, ref] of reference) {
        if (name === 'model.bf16.as_float32') continue;
        const ours = loaded.get(name)!;
        assert.equal(ours.dtype, ref.dtype, `${name} dtype`);
        assert.deepEqual(ours.shape, ref.shape, `${name} shape`);
        assert.ok(Buffer.from(ours.toBytes()).equals(Buffer.from(ref.toBytes())), `${name}: identical bytes`);
      }
      const bf16 = loaded.get('model.bf16')!;
      assert.equal(bf16.dtype, 'bfloat16');
      T.tidy(() => assert.ok(Buffer.from(bf16.float().toBytes()).equals(Buffer.from(reference.get('model.bf16.as_float32')!.toBytes()))));
      assert.deepEqual(loaded.get('model.transposed')!.shape, [6, 4]);
      assert.equal(loaded.get('model.bn.num_batches_tracked')!.item(), 7);

      const stripped = T.loadTorchStateDict(ptFile, { prefixToStrip: 'model.' });
      assert.ok(stripped.has('layer.weight') && !stripped.has('model.layer.weight'));
      T.tidy(() => assert.equal(maxDiff(stripped.get('layer.weight')!, reference.get('model.layer.weight')!), 0));
      T.dispose([...stripped.values()]);
    } finally {
      T.dispose([...loaded.values(), ...reference.values()]);
    }
  });

  test('a state dict saved by the engine loads into torch with equal values (round trip)', (t) => {
    if (!needsTorch(t)) return;
    const file = path.join(tmpDir, 'engine-out.safetensors');
    const back = path.join(tmpDir, 'engine-back.pt');
    T.manualSeed(8);
    const tensors = new Map<string, T.Tensor>([
      ['w', T.randn([3, 5])],
      ['i', T.arange(0, 6)],
      ['b', T.tensor([true, false])],
      ['h', T.randn([4]).to('float16')],
    ]);
    T.saveSafetensors(file, tensors);
    // torch reads the engine's file and re-saves it as .pt; the engine reads the .pt back.
    runTorch(`
tensors, _ = load_st(sys.argv[1])
torch.save({k: v * 1 if v.dtype != torch.bool else v for k, v in tensors.items()}, sys.argv[2])
`, file, back);
    const loaded = T.loadTorchStateDict(back);
    try {
      for (const [name, t0] of tensors) {
        assert.ok(Buffer.from(loaded.get(name)!.toBytes()).equals(Buffer.from(t0.toBytes())), name);
        assert.equal(loaded.get(name)!.dtype, t0.dtype);
      }
    } finally {
      T.dispose([...tensors.values(), ...loaded.values()]);
    }
  });
});
