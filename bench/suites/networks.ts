// Networks suite: the full-size SMIT networks (published "small" config)
// against the same networks written in PyTorch from the spec
// (twin/smit_twin.py, checked against the reference fixture).
//
// SMIT_BENCH_DEVICE=cuda runs both sides on the GPU (each synchronises before
// an iteration ends); SMIT_BENCH_PRECISION=bf16 runs ours under
// T.withPrecision('bf16') and, on CUDA, the twin under torch.autocast with
// bfloat16 (PyTorch 1.13's CPU autocast fails in layer_norm, so on the CPU
// the twin stays float32). scripts/gpu-check.sh uses both.
import * as T from '../../src/engine/index.js';
import type { Tensor } from '../../src/engine/index.js';
import { SmitNetwork, SmitSegmenter, smitConfig } from '../../src/models/index.js';
import { defineSuite, defineWorkload } from '../harness/workload.js';

const config = smitConfig('small');
const baseline = (fn: string) => ({ script: 'networks.py', fn });

function fromEnv<V extends string>(name: string, choices: readonly V[]): V {
  const value = process.env[name] || choices[0];
  if (!choices.includes(value as V)) throw new Error(`${name} must be one of ${choices.join(', ')}, got '${value}'`);
  return value as V;
}
const DEVICE = fromEnv('SMIT_BENCH_DEVICE', ['cpu', 'cuda'] as const);
const PRECISION = fromEnv('SMIT_BENCH_PRECISION', ['fp32', 'bf16'] as const);
const onDevice = (t: Tensor) => (DEVICE === 'cpu' ? t : T.tidy(() => t.to(null, DEVICE)));

/** One iteration at the chosen precision, finished on the device before the clock stops. */
function timed(fn: () => void): void {
  T.withPrecision(PRECISION, fn);
  if (DEVICE === 'cuda') T.cuda.synchronize();
}

function pretrainingPair() {
  T.manualSeed(0);
  const student = new SmitNetwork(config, 'student').train().to(DEVICE);
  const teacher = new SmitNetwork({ ...config, dropPathRate: 0 }, 'teacher').eval().requiresGrad_(false).to(DEVICE);
  const views = onDevice(T.rand([2, 1, 96, 96, 96]));
  const mask = onDevice(T.randint(0, 2, [2, 48, 48, 48]));
  return { student, teacher, views, mask };
}

const studentTeacherForward = defineWorkload({
  name: 'student_teacher_forward',
  description: 'teacher (unmasked) + student (masked) forward on two 96³ views, no gradients',
  iterations: 2,
  warmup: 1,
  setup: pretrainingPair,
  run: ({ student, teacher, views, mask }) =>
    timed(() =>
      T.tidy(() =>
        T.noGrad(() => {
          teacher.forward(views, undefined, { reconstruct: false });
          student.forward(views, mask);
        }),
      ),
    ),
  baseline: baseline('student_teacher_forward'),
});

const studentTeacherBackward = defineWorkload({
  name: 'student_teacher_forward_backward',
  description: 'teacher forward (no graph) + student forward and backward on two 96³ views',
  iterations: 2,
  warmup: 1,
  setup: pretrainingPair,
  run: ({ student, teacher, views, mask }) => {
    timed(() =>
      T.tidy(() => {
        T.noGrad(() => teacher.forward(views, undefined, { reconstruct: false }));
        const out = student.forward(views, mask);
        out.cls.mean().add(out.patch.mean()).add(out.reconstruction!.mean()).backward();
      }),
    );
    student.zeroGrad();
  },
  baseline: baseline('student_teacher_forward_backward'),
});

function segmenterSetup() {
  T.manualSeed(0);
  return { segmenter: new SmitSegmenter(config).train().to(DEVICE), crop: onDevice(T.rand([1, 1, 96, 96, 96])) };
}

const segmenterForward = defineWorkload({
  name: 'segmenter_forward',
  description: 'segmenter (14 classes) forward on one 96³ crop, no gradients',
  iterations: 2,
  warmup: 1,
  setup: segmenterSetup,
  run: ({ segmenter, crop }) =>
    timed(() =>
      T.tidy(() => {
        T.noGrad(() => segmenter.forward(crop));
      }),
    ),
  baseline: baseline('segmenter_forward'),
});

const segmenterBackward = defineWorkload({
  name: 'segmenter_forward_backward',
  description: 'segmenter forward and backward on one 96³ crop',
  iterations: 2,
  warmup: 1,
  setup: segmenterSetup,
  run: ({ segmenter, crop }) => {
    timed(() => T.tidy(() => segmenter.forward(crop).mean().backward()));
    segmenter.zeroGrad();
  },
  baseline: baseline('segmenter_forward_backward'),
});

export default defineSuite({
  name: 'networks',
  description: 'full-size SMIT networks (forward, forward+backward) versus their PyTorch twin',
  workloads: [studentTeacherForward, studentTeacherBackward, segmenterForward, segmenterBackward],
  rounds: 2,
});
