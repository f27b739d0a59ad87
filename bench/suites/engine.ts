// Engine suite: raw libtorch kernels through our addon versus the same calls
// from PyTorch (bench/baselines/engine.py). A ratio above 1 here is overhead of
// the binding (argument conversion, handles, scopes), not of the kernels.
import * as T from '../../src/engine/index.js';
import type { Tensor } from '../../src/engine/index.js';
import { defineSuite, defineWorkload } from '../harness/workload.js';

const baseline = (fn: string) => ({ script: 'engine.py', fn });

const matmul = defineWorkload({
  name: 'matmul',
  description: 'float32 [1024,1024] @ [1024,1024]',
  iterations: 20,
  setup: () => ({ a: T.randn([1024, 1024]), b: T.randn([1024, 1024]) }),
  run: ({ a, b }) => T.matmul(a, b).dispose(),
  baseline: baseline('matmul'),
  note: (ms) => `${((2 * 1024 ** 3) / (ms * 1e6)).toFixed(1)} GFLOP/s`,
});

const bmm = defineWorkload({
  name: 'bmm',
  description: 'float32 batched matmul [2048,64,32] @ [2048,32,64]',
  iterations: 20,
  setup: () => ({ a: T.randn([2048, 64, 32]), b: T.randn([2048, 32, 64]) }),
  run: ({ a, b }) => T.matmul(a, b).dispose(),
  baseline: baseline('bmm'),
  note: (ms) => `${((2 * 2048 * 64 * 32 * 64) / (ms * 1e6)).toFixed(1)} GFLOP/s`,
});

const conv3d = defineWorkload({
  name: 'conv3d',
  description: 'conv3d 48→48 k3 p1 on [1,48,48,48,48] float32, forward + backward (grads of x, w, b)',
  iterations: 5,
  warmup: 2,
  setup: () => ({
    x: T.randn([1, 48, 48, 48, 48]).requiresGrad_(),
    w: T.tidy(() => T.randn([48, 48, 3, 3, 3]).mul(0.05)).requiresGrad_(),
    b: T.zeros([48]).requiresGrad_(),
  }),
  run: ({ x, w, b }) => {
    T.tidy(() => T.conv3d(x, w, b, { padding: 1 }).sum().backward());
    for (const t of [x, w, b]) t.zeroGrad();
  },
  baseline: baseline('conv3d'),
});

// --- one Swin block (3D, window 4³, no shift), as in engine.py ---------------
const SIDE = 24;
const DIM = 96;
const HEADS = 4;
const WS = 4;
const MLP = 384;

interface SwinParams {
  norm1W: Tensor; norm1B: Tensor; qkvW: Tensor; table: Tensor; projW: Tensor; projB: Tensor;
  norm2W: Tensor; norm2B: Tensor; fc1W: Tensor; fc1B: Tensor; fc2W: Tensor; fc2B: Tensor;
}

/** Flat (ws³·ws³) index into the (2ws−1)³ relative-position table, d-major. */
function relativePositionIndex(ws: number): Tensor {
  const n = ws ** 3;
  const m = 2 * ws - 1;
  const out = new BigInt64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const d = Math.floor(i / (ws * ws)) - Math.floor(j / (ws * ws)) + ws - 1;
      const h = (Math.floor(i / ws) % ws) - (Math.floor(j / ws) % ws) + ws - 1;
      const w = (i % ws) - (j % ws) + ws - 1;
      out[i * n + j] = BigInt(d * m * m + h * m + w);
    }
  }
  return T.tensor(out);
}

function swinParams(): SwinParams {
  const param = (shape: number[]) => T.tidy(() => T.randn(shape).mul(0.02)).requiresGrad_();
  const ones = (n: number) => T.ones([n]).requiresGrad_();
  const zeros = (n: number) => T.zeros([n]).requiresGrad_();
  return {
    norm1W: ones(DIM), norm1B: zeros(DIM),
    qkvW: param([3 * DIM, DIM]), table: param([(2 * WS - 1) ** 3, HEADS]),
    projW: param([DIM, DIM]), projB: zeros(DIM),
    norm2W: ones(DIM), norm2B: zeros(DIM),
    fc1W: param([MLP, DIM]), fc1B: zeros(MLP),
    fc2W: param([DIM, MLP]), fc2B: zeros(DIM),
  };
}

/** x: [1, SIDE³, DIM] tokens of a SIDE×SIDE×SIDE volume. Nested tidy scopes free
 *  each branch's intermediates as soon as it returns (autograd keeps what it saved). */
export function swinForward(x: Tensor, p: SwinParams, index: Tensor): Tensor {
  const [B, L, C] = x.shape;
  const n = WS ** 3;
  const g = SIDE / WS;
  const attended = T.tidy(() => {
    const t = T.layerNorm(x, [C], p.norm1W, p.norm1B)
      .view([B, g, WS, g, WS, g, WS, C]).permute([0, 1, 3, 5, 2, 4, 6, 7]).reshape([-1, n, C]);
    const [q, k, v] = T.linear(t, p.qkvW).reshape([-1, n, 3, HEADS, C / HEADS]).permute([2, 0, 3, 1, 4]).unbind(0);
    const bias = T.index(p.table, [index]).reshape([n, n, HEADS]).permute([2, 0, 1]).unsqueeze(0);
    const attn = T.matmul(q.mul((C / HEADS) ** -0.5), k.transpose(-2, -1)).add(bias).softmax(-1);
    const o = T.linear(T.matmul(attn, v).transpose(1, 2).reshape([-1, n, C]), p.projW, p.projB);
    return o.view([B, g, g, g, WS, WS, WS, C]).permute([0, 1, 4, 2, 5, 3, 6, 7]).reshape([B, L, C]);
  });
  return T.tidy(() => {
    const y = x.add(attended);
    attended.dispose();
    const h = T.layerNorm(y, [C], p.norm2W, p.norm2B);
    return y.add(T.linear(T.gelu(T.linear(h, p.fc1W, p.fc1B)), p.fc2W, p.fc2B));
  });
}

const swinBlock = defineWorkload({
  name: 'swin_block',
  description: 'Swin block fwd+bwd: 24³=13,824 tokens, dim 96, 4 heads, windows 4³, MLP 384 (GELU), float32',
  iterations: 8,
  warmup: 2,
  setup: () => ({
    x: T.randn([1, SIDE ** 3, DIM]).requiresGrad_(),
    p: swinParams(),
    index: relativePositionIndex(WS),
  }),
  run: ({ x, p, index }) => {
    T.tidy(() => swinForward(x, p, index).sum().backward());
    x.zeroGrad();
    for (const t of Object.values(p)) t.zeroGrad();
  },
  baseline: baseline('swin_block'),
});

const SMALL_ADDS = 10_000;

const smallAdds = defineWorkload({
  name: 'small_adds',
  description: `${SMALL_ADDS.toLocaleString('en')} adds of two float32 [4] tensors, each result disposed at once (ms for all)`,
  iterations: 20,
  warmup: 5,
  setup: () => ({ a: T.randn([4]), b: T.randn([4]) }),
  run: ({ a, b }) => {
    for (let i = 0; i < SMALL_ADDS; i++) T.add(a, b).dispose();
  },
  baseline: baseline('small_adds'),
  note: (ms) => `${((ms * 1000) / SMALL_ADDS).toFixed(2)} µs per add`,
});

export default defineSuite({
  name: 'engine',
  description: 'tensor kernels and per-op overhead of the engine vs PyTorch (same libtorch 1.13 kernels)',
  workloads: [matmul, bmm, conv3d, swinBlock, smallAdds],
  // Round-to-round spread on a shared 2-core machine is ±10%: 7 pairs keep the median steady.
  rounds: 7,
});
