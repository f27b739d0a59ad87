// Runs the compiled tests: `unit` — every test/**/*.test.ts but the
// integration ones — or `integration` — test/**/*.integration.test.ts, the
// long ones (CLI runs, training loops, kill and resume). The list comes from
// the TypeScript sources, so files tsc left in dist/ by a rename never run.
// Arguments after the kind go to `node --test` (e.g. --test-name-pattern).
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const [kind, ...nodeArgs] = process.argv.slice(2);
if (kind !== 'unit' && kind !== 'integration') {
  console.error('usage: node scripts/run_tests.mjs unit|integration [node --test options]');
  process.exit(2);
}
const files = readdirSync(join(root, 'test'), { recursive: true })
  .filter((file) => file.endsWith('.test.ts') && file.endsWith('.integration.test.ts') === (kind === 'integration'))
  .sort()
  .map((file) => join('dist', 'test', file.replace(/\.ts$/, '.js')));
const run = spawnSync(process.execPath, ['--test', '--test-concurrency=1', ...nodeArgs, ...files], { cwd: root, stdio: 'inherit' });
process.exit(run.status ?? 1);
