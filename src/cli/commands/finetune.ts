import { join } from 'node:path';
import { FINETUNE_OPTIONS, resolveFinetuneOptions } from '../../seg/finetune_options.js';
import { defineCommand } from '../../util/options.js';
import { FINETUNE_FILE_NAMES, checkRunFolder, inRunFolder, refuseOverwritingInputs, requireFile } from '../run_folder.js';

export const finetuneCommand = defineCommand({
  about: 'fine-tune the SMIT segmenter on labelled scans (Dice + CE, sliding-window validation)',
  options: {
    ...FINETUNE_OPTIONS,
    overwrite: { type: 'boolean', help: 'start afresh in an --out-dir that holds a run: its files are first renamed to *.previous' },
  },
  async run({ overwrite, ...options }) {
    resolveFinetuneOptions(options);
    requireFile('--data', options.data);
    if (options.pretrained !== null) requireFile('--pretrained', options.pretrained);
    refuseOverwritingInputs(
      FINETUNE_FILE_NAMES.map((f) => ({ flag: '--out-dir', path: join(options.outDir, f) })),
      [{ flag: '--data', path: options.data }, ...(options.pretrained ? [{ flag: '--pretrained', path: options.pretrained }] : [])],
    );
    const setAside = checkRunFolder(options.outDir, { resume: options.resume, overwrite }, FINETUNE_FILE_NAMES);
    const { runFinetuning } = await import('../../seg/run_finetuning.js');
    const result = await inRunFolder(options.outDir, setAside, () => runFinetuning(options), FINETUNE_FILE_NAMES);
    const best = result.best;
    process.stdout.write(
      best
        ? `best validation Dice ${best.meanDice.toFixed(4)} at step ${best.step} (${result.files.best})\n`
        : `fine-tuned for ${result.finetuner.step} steps without validation cases (${result.files.last})\n`,
    );
  },
});
