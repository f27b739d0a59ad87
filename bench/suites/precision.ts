// Precision suite: the ops that decide the mixed-precision policy of
// native/ops.decl, at the shapes of the published network, forward and
// backward, each twice on our side — float32, and bfloat16 (inputs float32 as
// in the network, so the casts are timed too) — against the same op in float32
// in PyTorch (bench/baselines/precision.py). The policy compares our two rows
// (the baseline also pays page faults that our CPU cache avoids).
import * as T from '../../src/engine/index.js';
import type { Tensor } from '../../src/engine/index.js';
import { defineSuite, defineWorkload, type Workload } from '../harness/workload.js';

const param = (shape: number[], std: number) => T.tidy(() => T.randn(shape).mul(std)).requiresGrad_();

function trainStep(inputs: Tensor[], forward: () => Tensor): void {
  T.tidy(() => forward().float().sum().backward());
  for (const t of inputs) t.zeroGrad();
}

type Dtype = 'float32' | 'bfloat16';
const cast = (t: Tensor, dtype: Dtype) => (dtype === 'float32' ? t : t.to(dtype));

/** One op as two workloads, `<name>_fp32` and `<name>_bf16`, with the same PyTorch float32 baseline. */
function opPair<S>(name: string, what: string, setup: () => S, inputs: (s: S) => Tensor[], forward: (s: S, dtype: Dtype) => Tensor, iterations = 5): Workload<S>[] {
  return (['float32', 'bfloat16'] as const).map((dtype) =>
    defineWorkload({
      name: `${name}_${dtype === 'float32' ? 'fp32' : 'bf16'}`,
      description: `${what} in ${dtype}, forward + backward`,
      iterations,
      warmup: 2,
      setup,
      run: (s) => trainStep(inputs(s), () => forward(s, dtype)),
      baseline: { script: 'precision.py', fn: name },
    }),
  );
}

// Stage 0 of the published encoder on a 96³ crop: 48³ tokens of width 48.
const TOKENS = 48 ** 3;
// Its attention: 48³ / 4³ = 1,728 windows × 4 heads, 64 tokens, head width 12.
const WINDOWS = 1728 * 4;

const linear = (out: number) => () => ({ x: T.randn([TOKENS, 48]).requiresGrad_(), w: param([out, 48], 0.1), b: T.zeros([out]).requiresGrad_() });
type Linear = ReturnType<ReturnType<typeof linear>>;
const linearForward = (s: Linear, dtype: Dtype) => T.linear(cast(s.x, dtype), cast(s.w, dtype), cast(s.b, dtype));
type Qkv = { q: Tensor; k: Tensor; v: Tensor };
type Conv = { x: Tensor; w: Tensor; b: Tensor };

export default defineSuite({
  name: 'precision',
  description: 'float32 and bfloat16 per op at published shapes (forward + backward), each against PyTorch float32',
  workloads: [
    ...opPair('linear_qkv', `linear ${TOKENS} tokens 48 → 144 (stage-0 qkv)`, linear(144), (s) => [s.x, s.w, s.b], linearForward),
    ...opPair('linear_mlp', `linear ${TOKENS} tokens 48 → 192 (stage-0 MLP)`, linear(192), (s) => [s.x, s.w, s.b], linearForward),
    ...opPair(
      'attention_bmm',
      `q·kᵀ then probs·v over [${WINDOWS}, 64, 12] batches`,
      (): Qkv => ({ q: T.randn([WINDOWS, 64, 12]).requiresGrad_(), k: T.randn([WINDOWS, 64, 12]).requiresGrad_(), v: T.randn([WINDOWS, 64, 12]).requiresGrad_() }),
      (s) => [s.q, s.k, s.v],
      (s, dtype) => T.bmm(T.bmm(cast(s.q, dtype), cast(s.k, dtype).transpose(1, 2)), cast(s.v, dtype)),
    ),
    ...opPair(
      'softmax',
      `softmax of attention logits [${WINDOWS}, 64, 64]`,
      () => ({ x: T.randn([WINDOWS, 64, 64]).requiresGrad_() }),
      (s) => [s.x],
      (s, dtype) => T.softmax(cast(s.x, dtype), -1),
    ),
    ...opPair(
      'layer_norm',
      `layer norm of ${TOKENS} tokens of width 48`,
      () => ({ x: T.randn([TOKENS, 48]).requiresGrad_(), w: T.ones([48]).requiresGrad_(), b: T.zeros([48]).requiresGrad_() }),
      (s) => [s.x, s.w, s.b],
      (s, dtype) => T.layerNorm(cast(s.x, dtype), [48], cast(s.w, dtype), cast(s.b, dtype)),
    ),
    ...opPair(
      'conv3d',
      'conv3d 48→48 k3 p1 on [1,48,48,48,48] (decoder)',
      (): Conv => ({ x: T.randn([1, 48, 48, 48, 48]).requiresGrad_(), w: param([48, 48, 3, 3, 3], 0.05), b: T.zeros([48]).requiresGrad_() }),
      (s) => [s.x, s.w, s.b],
      (s, dtype) => T.conv3d(cast(s.x, dtype), cast(s.w, dtype), cast(s.b, dtype), { padding: 1 }),
      3,
    ),
  ],
  rounds: 3,
});
