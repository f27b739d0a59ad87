import { join } from 'node:path';
import { writePhantomDataset } from '../../data/index.js';
import { PRETRAIN_DEFAULTS } from '../../ssl/pretrain_options.js';
import { runPretraining } from '../../ssl/run_pretraining.js';
import { parseOptions } from '../options.js';

const DEFAULTS = { outDir: 'runs/demo', volumes: 6, steps: 40, seed: 0 };

/** The whole pre-training pipeline on generated abdominal CT phantoms: no download needed. */
export async function demoCommand(argv: string[]): Promise<void> {
  const o = parseOptions('demo', argv, DEFAULTS, {
    outDir: 'demo folder (phantoms in data/, the run in pretrain/)',
    volumes: 'phantom CT volumes to generate',
    steps: 'pre-training steps of the tiny network',
    seed: 'random seed',
  });
  const dataDir = join(o.outDir, 'data');
  process.stderr.write(`generating ${o.volumes} synthetic abdominal CT phantoms in ${dataDir}\n`);
  await writePhantomDataset(dataDir, o.volumes, o.seed);
  const runDir = join(o.outDir, 'pretrain');
  const trainer = await runPretraining({
    ...PRETRAIN_DEFAULTS,
    config: 'tiny',
    data: [join(dataDir, 'dataset.json')],
    outDir: runDir,
    epochs: Math.max(1, Math.ceil(o.steps / 2)),
    stepsPerEpoch: 2,
    batchSize: 2,
    warmupEpochs: 1,
    checkpointEvery: 10,
    snapshotEvery: 10,
    seed: o.seed,
  });
  process.stdout.write(
    [
      `pre-trained the tiny SMIT network for ${trainer.step} steps on ${o.volumes} phantoms`,
      `  loss curves:     ${join(runDir, 'loss_curves.png')}`,
      `  reconstruction:  ${join(runDir, 'reconstruction.png')}`,
      `  metrics:         ${join(runDir, 'metrics.jsonl')}`,
      `  checkpoint:      ${join(runDir, 'checkpoint.safetensors')}`,
      '',
    ].join('\n'),
  );
}
