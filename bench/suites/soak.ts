// Soak suite: a memory check, not a timing comparison. Each workload runs a
// long small-config training through its run driver (src/ssl/
// run_pretraining.ts, src/seg/run_finetuning.ts): steps, metrics log,
// periodic checkpoints, snapshots and (fine-tuning) sliding-window
// validation, and watches the process' RSS and T.liveTensors(). No baseline:
// the JSON line carries ours_ms (the whole soak) and the memory figures.
//
// Settings (environment; pass them with --env, which reaches the child):
//   SMIT_SOAK_PRETRAIN_STEPS   pre-training steps (600)
//   SMIT_SOAK_FINETUNE_STEPS   fine-tuning steps (300)
//   SMIT_SOAK_START_STEP       step after which the start figures are taken (50)
//   SMIT_SOAK_EVERY            steps between checkpoints, snapshots, validations (50)
//   SMIT_SOAK_PRINT_EVERY      steps between progress lines on stderr (25)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import * as T from '../../src/engine/index.js';
import { writePhantomDataset } from '../../src/data/index.js';
import { FINETUNE_DEFAULTS } from '../../src/seg/finetune_options.js';
import { runFinetuning } from '../../src/seg/run_finetuning.js';
import { PRETRAIN_DEFAULTS } from '../../src/ssl/pretrain_options.js';
import { runPretraining } from '../../src/ssl/run_pretraining.js';
import { defineSuite, defineWorkload } from '../harness/workload.js';

function setting(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got '${raw}'`);
  return n;
}

const settings = () => ({
  pretrainSteps: setting('SMIT_SOAK_PRETRAIN_STEPS', 600),
  finetuneSteps: setting('SMIT_SOAK_FINETUNE_STEPS', 300),
  startStep: setting('SMIT_SOAK_START_STEP', 50),
  every: setting('SMIT_SOAK_EVERY', 50),
  printEvery: setting('SMIT_SOAK_PRINT_EVERY', 25),
});

// Readings follow a full collection (the child runs without --expose-gc,
// hence the flag). Tensors left to the GC are freed by FinalizationRegistry
// callbacks, which only run when the event loop turns — never inside a
// synchronous training loop such as the run drivers'. The progress lines
// therefore count them ("GC-pending" included); the start and end readings
// first let the finalizers run, so live_tensors_start/end are the tensors the
// loop really holds, and gc_pending_end says how many only a finalizer freed.
setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as () => void;
const turn = () => new Promise<void>((resolve) => setTimeout(resolve, 20));

const mb = (bytes: number) => Number((bytes / 2 ** 20).toFixed(1));

interface Reading {
  rss: number;
  live: number;
  /** Live tensors after the collection but before the finalizers ran. */
  liveBeforeFinalizers: number;
}

/** RSS and live tensors over a loop: every step for the maximum, a reading at the start step and at the end. */
class MemoryWatch {
  readonly started = performance.now();
  rssMax = 0;
  start: Reading | undefined;
  end: Reading | undefined;
  steps = 0;

  constructor(readonly name: string, readonly total: number, readonly startStep: number, readonly printEvery: number) {}

  async settle(): Promise<Reading> {
    collect();
    const liveBeforeFinalizers = T.liveTensors();
    for (let i = 0; i < 3; i++) {
      await turn();
      collect();
    }
    await turn();
    const rss = process.memoryUsage.rss();
    this.rssMax = Math.max(this.rssMax, rss);
    return { rss, live: T.liveTensors(), liveBeforeFinalizers };
  }

  /** After step `step` and its periodic work (checkpoint, snapshots, validation). */
  async afterStep(step: number, detail: string): Promise<void> {
    this.steps = step;
    this.rssMax = Math.max(this.rssMax, process.memoryUsage.rss());
    if (step === this.startStep) {
      this.start = await this.settle();
      this.print(step, this.start, `${detail} [start]`);
    } else if (step === this.total) {
      // The end reading is taken inside the run, while its networks are alive: after the run returns they are garbage.
      this.end = await this.settle();
      this.print(step, this.end, `${detail} [end]`);
    } else if (step % this.printEvery === 0 || step === 1) {
      collect();
      const r = { rss: process.memoryUsage.rss(), live: T.liveTensors(), liveBeforeFinalizers: T.liveTensors() };
      this.rssMax = Math.max(this.rssMax, r.rss);
      this.print(step, r, detail);
    }
  }

  print(step: number, r: Reading, detail: string): void {
    const pending = r.liveBeforeFinalizers - r.live;
    const elapsed = ((performance.now() - this.started) / 1000).toFixed(0);
    process.stderr.write(
      `soak ${this.name} step ${step}/${this.total}: rss ${mb(r.rss)} MB (max ${mb(this.rssMax)}), live tensors ${r.live}` +
        `${pending > 0 ? ` (+${pending} GC-pending)` : ''}, heap ${mb(process.memoryUsage().heapUsed)} MB | ${detail} | ${elapsed} s\n`,
    );
  }

  /** After the run returns: what is left once its networks are garbage (a leak would keep tensors here). */
  async finish(): Promise<void> {
    const after = await this.settle();
    process.stderr.write(`soak ${this.name} after the run: rss ${mb(after.rss)} MB, live tensors ${after.live}\n`);
  }

  report(): Record<string, unknown> {
    if (this.start === undefined || this.end === undefined) {
      throw new Error(`soak ${this.name}: ran ${this.steps} steps, fewer than SMIT_SOAK_START_STEP (${this.startStep}) + 1; nothing to compare`);
    }
    const change = (this.end.rss - this.start.rss) / this.start.rss;
    return {
      steps: this.steps,
      rss_start_mb: mb(this.start.rss),
      rss_end_mb: mb(this.end.rss),
      rss_max_mb: mb(this.rssMax),
      rss_change_pct: Number((change * 100).toFixed(1)),
      live_tensors_start: this.start.live,
      live_tensors_end: this.end.live,
      gc_pending_end: this.end.liveBeforeFinalizers - this.end.live,
      flat: Math.abs(change) <= 0.1 && this.end.live === this.start.live,
    };
  }
}

// ---------------------------------------------------------------------------
// pre-training: tiny network on generated phantoms, through the run driver
// ---------------------------------------------------------------------------
const TINY = { embedDim: 8, featureSize: 8, heads: [2, 2, 2, 2] as [number, number, number, number], imgSize: [32, 32, 32] as [number, number, number] };

const pretrainSoak = defineWorkload({
  name: 'pretrain_soak',
  description:
    'pre-training (runPretraining), tiny config (embed 8, 32³ views), 4 phantoms at 6 mm, batch 2, SMIT_SOAK_PRETRAIN_STEPS steps (600) with checkpoints and snapshots every 50: RSS and live tensors',
  iterations: 1,
  warmup: 0,
  setup: async () => {
    const s = settings();
    const dir = mkdtempSync(join(tmpdir(), 'smit-soak-pretrain-'));
    const json = await writePhantomDataset(join(dir, 'data'), 4, 3, { size: [64, 64, 48] });
    const stepsPerEpoch = 10;
    const options = {
      ...PRETRAIN_DEFAULTS,
      data: [json],
      outDir: join(dir, 'run'),
      config: 'tiny' as const,
      configOverrides: { ...TINY, headHidden: 32, headBottleneck: 16, outDim: 64 },
      spacing: [6, 6, 6] as [number, number, number],
      batchSize: 2,
      stepsPerEpoch,
      epochs: Math.ceil(s.pretrainSteps / stepsPerEpoch),
      warmupEpochs: 2,
      warmupTeacherTempEpochs: 5,
      patchTempStartEpoch: 5,
      checkpointEvery: s.every,
      snapshotEvery: s.every,
    };
    return { dir, options, watch: new MemoryWatch('pretrain', s.pretrainSteps, s.startStep, s.printEvery) };
  },
  run: async ({ options, watch }) => {
    await runPretraining(options, { afterStep: (step, detail) => watch.afterStep(step, detail) });
    await watch.finish();
  },
  report: ({ dir, watch }) => {
    rmSync(dir, { recursive: true, force: true });
    return watch.report();
  },
});

// ---------------------------------------------------------------------------
// fine-tuning: tiny network on generated phantoms, sliding-window validation, through the run driver
// ---------------------------------------------------------------------------
const finetuneSoak = defineWorkload({
  name: 'finetune_soak',
  description:
    'fine-tuning (runFinetuning), tiny config (embed 8, 32³ crops, 2 per step), 3 + 1 phantoms at 6 mm, SMIT_SOAK_FINETUNE_STEPS steps (300) with sliding-window validation, model and checkpoint writes every 50: RSS and live tensors',
  iterations: 1,
  warmup: 0,
  setup: async () => {
    const s = settings();
    const dir = mkdtempSync(join(tmpdir(), 'smit-soak-finetune-'));
    const json = await writePhantomDataset(join(dir, 'data'), 4, 7, { size: [64, 64, 48] });
    const options = {
      ...FINETUNE_DEFAULTS,
      data: json,
      outDir: join(dir, 'run'),
      config: 'tiny' as const,
      configOverrides: TINY,
      spacing: [6, 6, 6] as [number, number, number],
      epochs: Math.ceil(s.finetuneSteps / 3),
      warmupEpochs: 1,
      samples: 2,
      lr: 1e-3,
      valCases: ['phantom_003'],
      validateEvery: s.every,
      checkpointEvery: s.every,
      seed: 0,
    };
    return { dir, options, watch: new MemoryWatch('finetune', s.finetuneSteps, s.startStep, s.printEvery) };
  },
  run: async ({ options, watch }) => {
    await runFinetuning(options, { afterStep: (step, detail) => watch.afterStep(step, detail) });
    await watch.finish();
  },
  report: ({ dir, watch }) => {
    rmSync(dir, { recursive: true, force: true });
    return watch.report();
  },
});

export default defineSuite({
  name: 'soak',
  description: 'memory soak: long small-config pre-training and fine-tuning runs, RSS and live tensors flat (no baseline)',
  workloads: [pretrainSoak, finetuneSoak],
  rounds: 1,
});
