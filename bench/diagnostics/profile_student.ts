// Where the student's forward time goes, per module kind and stage:
//   npm run build:ts && node dist/bench/diagnostics/profile_student.js [--size 96] [--batch 2]
// Wraps each module's forward with a timer (self time excludes children);
// forward only, no gradients, after one warm-up pass.
import * as T from '../../src/engine/index.js';
import { Module } from '../../src/nn/index.js';
import { SmitNetwork, smitConfig } from '../../src/models/index.js';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const size = arg('size', 96);
const batch = arg('batch', 2);

const student = new SmitNetwork(smitConfig('small', { imgSize: [size, size, size] }), 'student').eval();
const self = new Map<string, number>();
const stack: number[] = [];
for (const [name, module] of student.modules()) {
  const m = module as Module & { forward?: (...a: unknown[]) => unknown };
  if (typeof m.forward !== 'function') continue;
  const stage = /layers\.(\d)/.exec(name)?.[1];
  const label = `${m.constructor.name}${stage !== undefined ? ` (stage ${stage})` : ''}`;
  const original = m.forward.bind(m);
  m.forward = (...args: unknown[]) => {
    stack.push(0);
    const start = performance.now();
    const out = original(...args);
    const total = performance.now() - start;
    const children = stack.pop()!;
    if (stack.length > 0) stack[stack.length - 1] += total;
    self.set(label, (self.get(label) ?? 0) + total - children);
    return out;
  };
}

const views = T.rand([batch, 1, size, size, size]);
const mask = T.randint(0, 2, [batch, size / 2, size / 2, size / 2]);
T.tidy(() => T.noGrad(() => student.forward(views, mask)));
self.clear();
const start = performance.now();
T.tidy(() => T.noGrad(() => student.forward(views, mask)));
const total = performance.now() - start;
const rows = [...self].sort((a, b) => b[1] - a[1]);
console.log(`student forward, ${batch}×${size}³, no gradients: ${total.toFixed(0)} ms`);
for (const [label, ms] of rows) console.log(`${label.padEnd(34)} ${ms.toFixed(0).padStart(7)} ms  ${((100 * ms) / total).toFixed(1).padStart(5)} %`);
