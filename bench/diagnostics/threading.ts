// Threading study: runs a suite (default: engine) under each combination of
// OMP_WAIT_POLICY (passive | active | unset), intra-op threads (1 | 2 | ...) and
// OpenBLAS flavour (Debian's libopenblas0-pthread | libopenblas0-openmp, picked
// per child with LD_LIBRARY_PATH so the system alternative is left alone), and
// prints a markdown table of ours_ms / baseline_ms per workload on stdout.
//   node dist/bench/diagnostics/threading.js [suite] [--rounds 3] [--threads 1,2]
//        [--policies passive,active,unset] [--blas pthread,openmp] [--nice N] [workload...]
// "unset" passes an empty OMP_WAIT_POLICY: libgomp prints "Invalid value" and
// behaves as if unset (the engine only fills in its default when the variable is absent).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BLAS_DIRS: Record<string, string | undefined> = {
  pthread: undefined, // the system default alternative
  openmp: '/usr/lib/x86_64-linux-gnu/openblas-openmp',
  serial: '/usr/lib/x86_64-linux-gnu/openblas-serial',
};

const argv = process.argv.slice(2);
const take = (name: string, d: string): string => {
  const i = argv.indexOf(name);
  if (i < 0) return d;
  const v = argv[i + 1];
  argv.splice(i, 2);
  return v;
};
const rounds = take('--rounds', '3');
const nice = take('--nice', '');
const threadList = take('--threads', '1,2').split(',');
const policies = take('--policies', 'passive,active,unset').split(',');
const blasList = take('--blas', 'pthread,openmp').split(',');
const [suite = 'engine', ...workloads] = argv;
const mainJs = join(dirname(dirname(fileURLToPath(import.meta.url))), 'main.js');

interface Row { blas: string; policy: string; threads: string; results: Map<string, { ours: number; base: number; ratio: number }> }
const rows: Row[] = [];
const names: string[] = [];
for (const blas of blasList) {
  const dir = BLAS_DIRS[blas];
  if (dir !== undefined && !existsSync(dir)) {
    process.stderr.write(`threading: ${dir} missing (apt-get install libopenblas0-${blas}); skipping ${blas}\n`);
    continue;
  }
  for (const policy of policies) {
    for (const threads of threadList) {
      const env: NodeJS.ProcessEnv = { ...process.env, OMP_WAIT_POLICY: policy === 'unset' ? '' : policy };
      if (dir !== undefined) env.LD_LIBRARY_PATH = [dir, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':');
      process.stderr.write(`threading: blas=${blas} OMP_WAIT_POLICY=${policy} threads=${threads}\n`);
      const r = spawnSync(process.execPath, [mainJs, suite, ...workloads, '--rounds', rounds, '--threads', threads, ...(nice ? ['--nice', nice] : [])], {
        env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20,
      });
      const noisy = (r.stderr.match(/WARNING .*other processes.*/g) ?? []).length;
      const blasSeen = [...new Set(r.stderr.match(/"blas":"[^"]*"/g) ?? [])].join(' ');
      process.stderr.write(`  ${blasSeen}${noisy ? ` | ${noisy} noisy rounds` : ''}\n`);
      if (r.status !== 0) {
        process.stderr.write(r.stderr);
        throw new Error(`bench failed for blas=${blas} policy=${policy} threads=${threads}`);
      }
      const row: Row = { blas, policy, threads, results: new Map() };
      for (const line of r.stdout.trim().split('\n')) {
        const j = JSON.parse(line);
        if (!names.includes(j.workload)) names.push(j.workload);
        row.results.set(j.workload, { ours: j.ours_ms, base: j.baseline_ms, ratio: j.ratio });
        process.stderr.write(`  ${line}\n`);
      }
      rows.push(row);
    }
  }
}

const f = (v: number): string => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
console.log(`| BLAS | OMP_WAIT_POLICY | threads | ${names.map((n) => `${n} ours / torch ms`).join(' | ')} |`);
console.log(`|---|---|---|${names.map(() => '---').join('|')}|`);
for (const row of rows) {
  const cells = names.map((n) => {
    const v = row.results.get(n);
    return v === undefined ? '' : `${f(v.ours)} / ${f(v.base)}`;
  });
  console.log(`| ${row.blas} | ${row.policy} | ${row.threads} | ${cells.join(' | ')} |`);
}
