import { existsSync } from 'node:fs';
import { FINETUNE_OPTIONS, resolveFinetuneOptions } from '../../seg/finetune_options.js';
import { defineCommand } from '../../util/options.js';
import { FINETUNE_FILE_NAMES, checkRunFolder, inRunFolder } from '../run_folder.js';

export const finetuneCommand = defineCommand({
  about: 'fine-tune the SMIT segmenter on labelled scans (Dice + CE, sliding-window validation)',
  options: {
    ...FINETUNE_OPTIONS,
    overwrite: { type: 'boolean', help: 'start afresh in an --out-dir that holds a run: its files are first renamed to *.previous' },
  },
  async run({ overwrite, ...options }) {
    resolveFinetuneOptions(options);
    for (const source of options.data) if (!existsSync(source)) throw new Error(`--data: ${source}: no such file`);
    if (options.pretrained !== null && !existsSync(options.pretrained)) throw new Error(`--pretrained: ${options.pretrained}: no such file`);
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
