// A pre-training run in its folder: data listed and preprocessed, training
// to the end (or maxSteps) with checkpoints, metrics and pictures on the way.
import { existsSync, mkdirSync } from 'node:fs';
import { smitConfig } from '../models/index.js';
import type { AfterStep } from '../util/after_step.js';
import { MetricsLog } from '../util/metrics_log.js';
import { stoppedByLoss } from '../util/non_finite_loss.js';
import { ProgressBar } from '../util/progress_bar.js';
import { listPretrainVolumes, preparePretrainVolumes } from './pretrain_data.js';
import { type PretrainOptions, validatePretrainOptions } from './pretrain_options.js';
import { Pretrainer, type StepMetrics } from './pretrainer.js';
import { writePretrainSnapshots } from './pretrain_snapshots.js';
import { recipeFromOptions } from './recipe.js';
import { pretrainRunFiles } from './run_files.js';

const warn = (message: string) => process.stderr.write(`warning: ${message}\n`);

/** Lists and preprocesses the data, then trains (or resumes) to the end or to maxSteps, checkpointing as it goes. */
export async function runPretraining(options: PretrainOptions, hooks: { afterStep?: AfterStep } = {}): Promise<Pretrainer> {
  validatePretrainOptions(options);
  const files = pretrainRunFiles(options.outDir);
  if (options.resume && !existsSync(files.checkpoint)) throw new Error(`--resume: no checkpoint at ${files.checkpoint}`);
  if (!options.resume && existsSync(files.checkpoint)) throw new Error(`${options.outDir} already holds a run (${files.checkpoint}): resume it, or start in another folder`);
  const recipe = recipeFromOptions(options, smitConfig(options.config, options.configOverrides));
  const entries = await listPretrainVolumes(options.data);
  const cacheDir = options.cacheDir ?? (entries.length > options.volumesInMemory ? files.preprocessed : undefined);
  const volumes = await preparePretrainVolumes(entries, recipe, { cacheDir, skipBad: options.skipBad, inMemory: options.volumesInMemory });
  if (volumes.residentCount < volumes.count) {
    process.stderr.write(`volumes: ${volumes.residentCount} of ${volumes.count} in memory, the rest read from ${cacheDir} when used\n`);
  }
  const trainer = new Pretrainer(options, volumes);
  if (trainer.precision !== 'fp32') process.stderr.write(`precision: ${trainer.precision} (--precision ${options.precision})\n`);
  mkdirSync(options.outDir, { recursive: true });
  const log = new MetricsLog<StepMetrics>(files.metrics);
  let saved: number | undefined;
  if (options.resume) {
    trainer.loadCheckpoint(files.checkpoint);
    log.truncateAfter(trainer.step, warn);
    saved = trainer.step;
    process.stderr.write(`resumed from step ${trainer.step} of ${trainer.totalSteps}\n`);
  }
  // The step this invocation stops at: the end, or maxSteps from where it started.
  const lastStep = options.maxSteps === null ? trainer.totalSteps : Math.min(trainer.totalSteps, trainer.step + options.maxSteps);
  const bar = new ProgressBar('pretrain', lastStep);
  const finished = () => trainer.step >= lastStep;
  const checkpoint = () => {
    trainer.saveCheckpoint(files.checkpoint);
    saved = trainer.step;
  };
  while (!finished()) {
    let m: StepMetrics;
    try {
      m = trainer.trainStep();
    } catch (error) {
      throw stoppedByLoss(error, { savedStep: saved, checkpoint: files.checkpoint, hint: 'try a lower learning rate' });
    }
    log.append(m);
    const detail = `loss ${m.lossTotal.toFixed(4)} mip ${m.lossMip.toFixed(4)} mpd ${m.lossMpd.toFixed(3)} itd ${m.lossItd.toFixed(3)} ${(1 / m.seconds).toFixed(2)} steps/s`;
    bar.update(m.step, detail);
    if (m.step % options.checkpointEvery === 0 && !finished()) checkpoint();
    if (m.step % options.snapshotEvery === 0 && !finished()) writePretrainSnapshots(trainer, files);
    await hooks.afterStep?.(m.step, detail);
  }
  checkpoint();
  writePretrainSnapshots(trainer, files);
  process.stderr.write(`run folder: ${options.outDir} (checkpoint.safetensors, metrics.jsonl, loss_curves.png, diagnostics.png, reconstruction.png)\n`);
  return trainer;
}
