import { existsSync } from 'node:fs';
import { UsageError, defineCommand } from '../../util/options.js';
import { DEMO_DEFAULTS } from '../../demo/demo_defaults.js';

/** The whole pipeline on generated abdominal CT phantoms: no download needed. */
export const demoCommand = defineCommand({
  about: 'the whole pipeline on generated phantom CTs: pre-train, fine-tune, segment held-out phantoms, Dice, report',
  options: {
    outDir: { type: 'string', default: 'runs/demo', help: 'demo folder: data/, pretrain/, finetune/, segment/, evaluate/, report.html' },
    trainVolumes: { type: 'integer', min: 2, max: 1000, default: DEMO_DEFAULTS.trainVolumes, help: 'phantoms to pre-train and fine-tune on (one of them validates)' },
    testVolumes: { type: 'integer', min: 1, max: 1000, default: DEMO_DEFAULTS.testVolumes, help: 'held-out phantoms (another seed) to segment and score' },
    pretrainSteps: { type: 'integer', min: 1, default: DEMO_DEFAULTS.pretrainSteps, help: 'pre-training steps of the tiny network' },
    finetuneEpochs: { type: 'integer', min: 1, default: DEMO_DEFAULTS.finetuneEpochs, help: 'fine-tuning epochs (one phantom per step)' },
    seed: { type: 'integer', min: 0, max: 2 ** 32 - 2, default: 0, help: 'random seed (held-out phantoms use seed + 1)' },
    overwrite: { type: 'boolean', help: 'replace an existing demo folder' },
  },
  async run(o) {
    if (existsSync(o.outDir) && !o.overwrite) throw new UsageError(`${o.outDir} already holds a demo: pass --overwrite to start afresh, or --out-dir elsewhere`);
    const { rmSync } = await import('node:fs');
    if (o.overwrite) rmSync(o.outDir, { recursive: true, force: true });
    const { diceTable, runDemo } = await import('../../demo/run_demo.js');
    const { summary, seconds, report } = await runDemo(o);
    process.stdout.write(
      `${diceTable(summary)}\nwall time ${(seconds.total / 60).toFixed(1)} min (pre-training ${seconds.pretrain.toFixed(0)} s, fine-tuning ${seconds.finetune.toFixed(0)} s, segmentation ${seconds.segment.toFixed(0)} s)\nreport: ${report} (open it in a browser, or: smit serve ${o.outDir})\n`,
    );
  },
});
