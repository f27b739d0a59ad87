import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { smitConfig } from '../models/smit/config.js';
import { ProgressBar } from '../util/progress_bar.js';
import { listPretrainVolumes, preparePretrainVolumes } from './pretrain_data.js';
import { type PretrainOptions, validatePretrainOptions } from './pretrain_options.js';
import { Pretrainer, pretrainRecipe } from './pretrainer.js';
import { writePretrainSnapshots } from './pretrain_snapshots.js';

/** Lists and preprocesses the data, then trains (or resumes) to the end or to maxSteps, checkpointing as it goes. */
export async function runPretraining(options: PretrainOptions): Promise<Pretrainer> {
  validatePretrainOptions(options);
  const config = smitConfig(options.config, options.configOverrides);
  const recipe = pretrainRecipe(options, config);
  const entries = await listPretrainVolumes(options.data);
  const volumes = await preparePretrainVolumes(entries, recipe, {
    cacheDir: options.cacheDir ?? undefined,
    skipBad: options.skipBad,
  });
  const trainer = new Pretrainer(options, volumes);
  if (options.resume) {
    if (!existsSync(trainer.checkpointPath)) throw new Error(`--resume: no checkpoint at ${trainer.checkpointPath}`);
    trainer.loadCheckpoint();
    process.stderr.write(`resumed from step ${trainer.step} of ${trainer.totalSteps}\n`);
  }
  const bar = new ProgressBar('pretrain', trainer.totalSteps);
  let done = 0;
  const last = () => trainer.step >= trainer.totalSteps || (options.maxSteps !== null && done >= options.maxSteps);
  while (!last()) {
    const m = trainer.trainStep();
    done += 1;
    trainer.logMetrics(m);
    bar.update(
      m.step,
      `loss ${m.loss.toFixed(4)} mip ${m.mip.toFixed(4)} mpd ${m.mpd.toFixed(3)} itd ${m.itd.toFixed(3)} ${(1 / m.seconds).toFixed(2)} steps/s`,
    );
    if (m.step % options.checkpointEvery === 0 && !last()) trainer.saveCheckpoint();
    if (m.step % options.snapshotEvery === 0 && !last()) writePretrainSnapshots(trainer);
  }
  trainer.saveCheckpoint();
  writePretrainSnapshots(trainer);
  process.stderr.write(`run folder: ${options.outDir} (checkpoint.safetensors, metrics.jsonl, ${join('', 'loss_curves.png')}, reconstruction.png)\n`);
  return trainer;
}
