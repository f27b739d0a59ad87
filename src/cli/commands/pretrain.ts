import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PRETRAIN_OPTIONS, validatePretrainOptions } from '../../ssl/pretrain_options.js';
import { defineCommand } from '../../util/options.js';
import { PRETRAIN_FILE_NAMES, checkRunFolder, inRunFolder, refuseOverwritingInputs } from '../run_folder.js';

export const pretrainCommand = defineCommand({
  about: 'self-supervised pre-training (MIP + MPD + ITD, EMA teacher)',
  options: {
    ...PRETRAIN_OPTIONS,
    overwrite: {
      type: 'boolean',
      help: 'start afresh in an --out-dir that holds a run: its files are first renamed to *.previous (renamed back if this run fails before its first step)',
    },
  },
  async run({ overwrite, ...options }) {
    validatePretrainOptions(options);
    for (const source of options.data) if (!existsSync(source)) throw new Error(`--data: ${source}: no such file or folder`);
    const setAside = checkRunFolder(options.outDir, { resume: options.resume, overwrite }, PRETRAIN_FILE_NAMES);
    refuseOverwritingInputs(
      PRETRAIN_FILE_NAMES.map((f) => ({ flag: '--out-dir', path: join(options.outDir, f) })),
      options.data.map((path) => ({ flag: '--data', path })),
    );
    const { runPretraining } = await import('../../ssl/run_pretraining.js');
    await inRunFolder(options.outDir, setAside, () => runPretraining(options), PRETRAIN_FILE_NAMES);
  },
});
