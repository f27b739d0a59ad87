// Where the time of one small op goes: peels the path of T.add(a, b).dispose()
// layer by layer (N-API call, argument conversion + at::add + handle registry,
// the Tensor wrapper, scopes). Prints µs per op for each layer on stderr and
// one JSON object on stdout.
//   node dist/bench/diagnostics/op_overhead.js [--n 20000] [--reps 15]
import { performance } from 'node:perf_hooks';
import * as T from '../../src/engine/index.js';
import { native } from '../../src/engine/native.js';
import { Tensor } from '../../src/engine/tensor.js';
import { median } from '../harness/workload.js';

const argv = process.argv.slice(2);
const arg = (name: string, d: number): number => (argv.includes(name) ? Number(argv[argv.indexOf(name) + 1]) : d);
const N = arg('--n', 20_000);
const REPS = arg('--reps', 15);

const a = T.randn([4]);
const b = T.randn([4]);
const one = [1] as [number];
const sink: number[] = [0];

const variants: Record<string, () => void> = {
  'empty loop': () => {
    for (let i = 0; i < N; i++) sink[0] += i;
  },
  'N-API call, no work (native.getNumThreads)': () => {
    for (let i = 0; i < N; i++) sink[0] += native.getNumThreads();
  },
  'N-API call + registry lookup (native.numel)': () => {
    for (let i = 0; i < N; i++) sink[0] += native.numel(a.h);
  },
  'native.add + native.release (handles only)': () => {
    for (let i = 0; i < N; i++) native.release(native.add(a.h, b.h, 1));
  },
  'native.add(scalar operand) + release': () => {
    for (let i = 0; i < N; i++) native.release(native.add(a.h, one, 1));
  },
  'native.add + new Tensor + dispose': () => {
    for (let i = 0; i < N; i++) new Tensor(native.add(a.h, b.h, 1)).dispose();
  },
  'T.add(a, b).dispose()  [the small_adds workload]': () => {
    for (let i = 0; i < N; i++) T.add(a, b).dispose();
  },
  'a.add(b).dispose()  (method)': () => {
    for (let i = 0; i < N; i++) a.add(b).dispose();
  },
  'T.add(a, b) in one tidy per 1000': () => {
    for (let i = 0; i < N; i += 1000) {
      T.tidy(() => {
        for (let k = 0; k < 1000; k++) T.add(a, b);
      });
    }
  },
  'T.add(a, b) left to the GC (no dispose)': () => {
    for (let i = 0; i < N; i++) T.add(a, b);
  },
  'noGrad: T.add(a, b).dispose()': () => {
    T.noGrad(() => {
      for (let i = 0; i < N; i++) T.add(a, b).dispose();
    });
  },
  'inferenceMode: T.add(a, b).dispose()': () => {
    T.inferenceMode(() => {
      for (let i = 0; i < N; i++) T.add(a, b).dispose();
    });
  },
};

const times = new Map<string, number[]>(Object.keys(variants).map((k) => [k, []]));
for (let r = 0; r < REPS; r++) {
  for (const [name, fn] of Object.entries(variants)) {
    const t0 = performance.now();
    fn();
    times.get(name)!.push(((performance.now() - t0) * 1000) / N);
  }
}
const out: Record<string, number> = {};
for (const [name, t] of times) {
  out[name] = Number(median(t.slice(2)).toFixed(3));
  process.stderr.write(`${out[name].toFixed(3).padStart(8)} µs  ${name}\n`);
}
process.stderr.write(`live tensors at exit: ${T.liveTensors()} (2 expected + GC'd ones pending)\n`);
process.stdout.write(JSON.stringify({ n: N, reps: REPS, threads: T.getNumThreads(), us_per_op: out }) + '\n');
