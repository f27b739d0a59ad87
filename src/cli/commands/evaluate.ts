import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError, defineCommand } from '../../util/options.js';
import { refuseOverwritingInputs } from '../run_folder.js';

const OUTPUTS = ['summary.json', 'metrics.csv'];

/** Dice, HD95 and ASSD of predicted label maps against references. */
export const evaluateCommand = defineCommand({
  about: 'score predicted label maps against references (Dice, HD95, ASSD): summary.json and metrics.csv',
  options: {
    predictions: { type: 'string', required: true, help: 'folder of predicted label maps (<id>.nii.gz or <id>_seg.nii.gz)' },
    references: { type: 'string', required: true, help: 'folder of reference label maps <id>.nii.gz, or a dataset JSON whose labelled entries are the references' },
    outDir: { type: 'string', required: true, help: 'where summary.json and metrics.csv are written' },
    classes: { type: 'integers', min: 0, max: 65535, help: 'class ids to score (default: those the dataset JSON names, else 1 … the largest label found)' },
    overwrite: { type: 'boolean', help: 'replace summary.json and metrics.csv in --out-dir' },
  },
  async run(o) {
    if (!existsSync(o.predictions)) throw new UsageError(`--predictions: ${o.predictions}: no such folder`);
    if (!existsSync(o.references)) throw new UsageError(`--references: ${o.references}: no such file or folder`);
    const outputs = OUTPUTS.map((f) => join(o.outDir, f));
    refuseOverwritingInputs(
      outputs.map((path) => ({ flag: '--out-dir', path })),
      [{ flag: '--predictions', path: o.predictions }, { flag: '--references', path: o.references }],
    );
    const existing = outputs.filter((p) => existsSync(p));
    if (existing.length > 0 && !o.overwrite) throw new UsageError(`--out-dir: ${existing.join(' and ')} exist; pass --overwrite to replace them`);
    const { evaluate, pairPredictions, writeEvaluation } = await import('../../seg/evaluate.js');
    const { ProgressBar } = await import('../../util/progress_bar.js');
    const { pairs, unmatched, classNames } = await pairPredictions(o.predictions, o.references);
    if (unmatched.length > 0) process.stderr.write(`${unmatched.length} labelled cases of ${o.references} have no prediction and are left out\n`);
    const bar = new ProgressBar('evaluate', pairs.length);
    const summary = await evaluate(pairs, { classNames, classIds: o.classes ?? undefined, onCase: (done, _, id) => bar.update(done, id) });
    const paths = await writeEvaluation(summary, o.outDir);
    const { dice, hd95, assd } = summary.foregroundMean;
    process.stdout.write(`${pairs.length} cases: mean Dice ${dice.toFixed(4)}, HD95 ${hd95.toFixed(2)} mm, ASSD ${assd.toFixed(2)} mm\n`);
    process.stdout.write(`wrote ${paths.summary} and ${paths.csv}\n`);
  },
});
