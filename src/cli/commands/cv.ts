import { FINETUNE_OPTIONS, resolveFinetuneOptions } from '../../seg/finetune_options.js';
import { UsageError, defineCommand } from '../../util/options.js';
import { requireFile } from '../run_folder.js';

const { trainCases: _train, valCases: _val, valFraction: _fraction, resume: _resume, maxSteps: _max, ...CV_FINETUNE_OPTIONS } = FINETUNE_OPTIONS;

export const cvCommand = defineCommand({
  about: 'k-fold cross-validation of fine-tuning: splits.json, one run per fold, Dice/HD95 per organ pooled',
  options: {
    ...CV_FINETUNE_OPTIONS,
    outDir: { type: 'string', default: 'runs/cv', help: 'cross-validation folder: splits.json, <arm>/fold_<i>/, cv_summary.{json,md}, cv_dice.png' },
    folds: { type: 'integer', min: 2, default: 5, help: 'number of folds' },
    compareScratch: { type: 'boolean', help: 'also fine-tune every fold from scratch, for the SMIT-vs-scratch table (needs --pretrained)' },
  },
  async run({ folds, compareScratch, ...rest }) {
    const finetune = { ...rest, trainCases: [], valCases: [], valFraction: 0, resume: false, maxSteps: null };
    resolveFinetuneOptions(finetune);
    if (compareScratch && finetune.pretrained === null) throw new UsageError('--compare-scratch needs --pretrained (the arm to compare against scratch)');
    requireFile('--data', finetune.data);
    if (finetune.pretrained !== null) requireFile('--pretrained', finetune.pretrained);
    const { runCrossValidation, cvMarkdown } = await import('../../seg/cross_validation.js');
    const summaries = await runCrossValidation({ finetune, folds, compareScratch });
    const organs = Object.keys(summaries[0].organs);
    process.stdout.write(cvMarkdown(summaries, organs, folds));
  },
});
