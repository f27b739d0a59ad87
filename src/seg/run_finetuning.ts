// A fine-tuning run in its folder, readable as nnU-Net's (run_files.ts lists
// what it holds): cases listed, checked and preprocessed once, training to the
// end (or maxSteps) with validations, checkpoints and pictures on the way.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { AfterStep } from '../util/after_step.js';
import { MetricsLog } from '../util/metrics_log.js';
import { stoppedByLoss } from '../util/non_finite_loss.js';
import { ProgressBar } from '../util/progress_bar.js';
import { absentClasses, caseId, disposeCases, prepareCases, splitCases } from './finetune_data.js';
import { type FinetuneOptions, recipeFromFinetuneOptions, resolveFinetuneOptions } from './finetune_options.js';
import { type FinetuneStepMetrics, Finetuner, type ValidationResult } from './finetuner.js';
import { writeFinetuneSnapshots } from './finetune_snapshots.js';
import { saveSegmenter } from './model_file.js';
import { type FinetuneRunFiles, finetuneRunFiles } from './run_files.js';

export interface FinetuneResult {
  finetuner: Finetuner;
  files: FinetuneRunFiles;
  best: ValidationResult | undefined;
  last: ValidationResult | undefined;
}

const warn = (message: string) => process.stderr.write(`warning: ${message}\n`);

/** Lists, checks and preprocesses the cases, then fine-tunes (or resumes) to the end or to maxSteps. */
export async function runFinetuning(options: FinetuneOptions, hooks: { afterStep?: AfterStep } = {}): Promise<FinetuneResult> {
  const o = resolveFinetuneOptions(options);
  const files = finetuneRunFiles(o.outDir);
  if (o.resume && !existsSync(files.checkpoint)) throw new Error(`--resume: no checkpoint at ${files.checkpoint}`);
  if (!o.resume && existsSync(files.checkpoint)) throw new Error(`${o.outDir} already holds a run (${files.checkpoint}): resume it, or start in another folder`);
  const recipe = recipeFromFinetuneOptions(o);
  const split = await splitCases(o.data, o);
  const train = await prepareCases(split.train, recipe, split.classNames.length, 'prepare training');
  const val = await prepareCases(split.val, recipe, split.classNames.length, 'prepare validation');
  try {
    for (const id of absentClasses(train, split.classNames.length)) warn(`class ${id} '${split.classNames[id]}' appears in no training label map`);
    const finetuner = new Finetuner(o, recipe, split.classNames, train);
    if (finetuner.pretrained) process.stderr.write(`pre-trained encoder: ${finetuner.pretrained.loaded.length} tensors from ${o.pretrained}\n`);
    const splits = { train: split.train.map(caseId), val: split.val.map(caseId) };
    if (o.resume) {
      const savedSplits = existsSync(files.splits) ? JSON.parse(readFileSync(files.splits, 'utf8')) : undefined;
      if (savedSplits && JSON.stringify(savedSplits) !== JSON.stringify(splits)) throw new Error(`${files.splits}: this run's cases differ from the resumed run's`);
      finetuner.loadCheckpoint(files.checkpoint);
    }
    mkdirSync(o.outDir, { recursive: true });
    writeFileSync(files.splits, `${JSON.stringify(splits, null, 2)}\n`);
    writeFileSync(files.plans, `${JSON.stringify({ options: o, recipe, classNames: split.classNames, stepsPerEpoch: finetuner.stepsPerEpoch, totalSteps: finetuner.totalSteps }, null, 2)}\n`);

    const metrics = new MetricsLog<FinetuneStepMetrics>(files.metrics);
    const validations = new MetricsLog<ValidationResult>(files.validation);
    let best: ValidationResult | undefined;
    let last: ValidationResult | undefined;
    let saved: number | undefined;
    if (o.resume) {
      metrics.truncateAfter(finetuner.step, warn);
      validations.truncateAfter(finetuner.step, warn);
      const history = validations.read();
      best = history.reduce<ValidationResult | undefined>((b, v) => (b === undefined || v.meanDice > b.meanDice ? v : b), undefined);
      last = history[history.length - 1];
      saved = finetuner.step;
      process.stderr.write(`resumed from step ${finetuner.step} of ${finetuner.totalSteps}\n`);
    }
    const validateEvery = o.validateEvery ?? Math.max(finetuner.stepsPerEpoch, Math.round(finetuner.totalSteps / 20));
    const info = (v: ValidationResult | undefined) => ({ config: finetuner.model.config, recipe, classNames: split.classNames, step: finetuner.step, validationDice: v?.meanDice ?? NaN });
    // The step this invocation stops at: the end, or maxSteps from where it started.
    const lastStep = o.maxSteps === null ? finetuner.totalSteps : Math.min(finetuner.totalSteps, finetuner.step + o.maxSteps);
    const bar = new ProgressBar('finetune', lastStep);
    const finished = () => finetuner.step >= lastStep;
    const checkpoint = () => {
      finetuner.saveCheckpoint(files.checkpoint);
      saved = finetuner.step;
    };
    while (!finished()) {
      let m: FinetuneStepMetrics;
      try {
        m = finetuner.trainStep();
      } catch (error) {
        throw stoppedByLoss(error, { savedStep: saved, checkpoint: files.checkpoint, hint: 'try a lower --lr' });
      }
      metrics.append(m);
      const atEnd = finetuner.step >= finetuner.totalSteps;
      if (val.length > 0 && (m.step % validateEvery === 0 || atEnd)) {
        last = finetuner.validate(val);
        validations.append(last);
        if (best === undefined || last.meanDice > best.meanDice) {
          best = last;
          saveSegmenter(files.best, finetuner.model, info(best));
        }
        writeFinetuneSnapshots(finetuner, val[0], files);
      }
      const dice = last ? ` val Dice ${last.meanDice.toFixed(3)}` : '';
      const detail = `loss ${m.loss.toFixed(4)} (dice ${m.lossDice.toFixed(3)} ce ${m.lossCe.toFixed(3)})${dice} ${(1 / m.seconds).toFixed(2)} steps/s`;
      bar.update(m.step, detail);
      if (m.step % o.checkpointEvery === 0 && !finished()) checkpoint();
      await hooks.afterStep?.(m.step, detail);
    }
    checkpoint();
    saveSegmenter(files.last, finetuner.model, info(last));
    if (val.length === 0) saveSegmenter(files.best, finetuner.model, info(undefined));
    writeFinetuneSnapshots(finetuner, val[0], files);
    process.stderr.write(`run folder: ${o.outDir} (model_best.safetensors, model_last.safetensors, progress.png, metrics.jsonl, validation.jsonl)\n`);
    return { finetuner, files, best, last };
  } finally {
    disposeCases([...train, ...val]);
  }
}
