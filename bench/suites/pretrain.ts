// Pre-training suite: one full-size SMIT pre-training step — two 96³ views
// of one volume, block masks, teacher and student, MIP + MPD + ITD, backward,
// per-parameter clipping, AdamW, EMA — against the same step on the PyTorch
// twin (bench/baselines/pretrain.py), in float32 and with --precision bf16.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as T from '../../src/engine/index.js';
import { PRETRAIN_DEFAULTS } from '../../src/ssl/pretrain_options.js';
import { Pretrainer } from '../../src/ssl/pretrainer.js';
import { PretrainVolumes } from '../../src/ssl/pretrain_data.js';
import { defineSuite, defineWorkload } from '../harness/workload.js';

const step = (precision: T.ResolvedPrecision) => defineWorkload({
  name: precision === 'fp32' ? 'pretrain_step' : `pretrain_step_${precision}`,
  description: `small config, 1 volume × 2 views of 96³: teacher + student, all losses, backward, clip, AdamW, EMA; ${precision}`,
  iterations: 2,
  warmup: 1,
  setup: () => {
    T.manualSeed(0);
    const volume = T.keep(T.rand([1, 128, 128, 128]));
    return new Pretrainer(
      {
        ...PRETRAIN_DEFAULTS,
        data: ['(in memory)'],
        outDir: mkdtempSync(join(tmpdir(), 'smit-bench-')),
        batchSize: 1,
        stepsPerEpoch: 10,
        epochs: 100,
        warmupEpochs: 0,
        precision,
      },
      new PretrainVolumes([{ source: 'random', volume }]),
    );
  },
  run: (trainer) => {
    trainer.trainStep();
  },
  baseline: { script: 'pretrain.py', fn: 'pretrain_step' },
});

export default defineSuite({
  name: 'pretrain',
  description: 'one full-size pre-training step versus the PyTorch twin',
  workloads: [step('fp32'), step('bf16')],
  rounds: 2,
});
