import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UsageError, defineCommand } from '../../util/options.js';
import { refuseOverwritingInputs } from '../run_folder.js';

/** Writes the pre-trained backbone alone (keys `transformer.*`, as the official code names them) for fine-tuning. */
export const exportEncoderCommand = defineCommand({
  about: 'write the pre-trained backbone for fine-tuning',
  options: {
    checkpoint: { type: 'string', required: true, help: 'pre-training checkpoint (checkpoint.safetensors of a run folder)' },
    out: { type: 'string', required: true, help: 'output .safetensors file' },
    from: { type: 'choice', choices: ['teacher', 'student'], default: 'teacher', help: "which network's backbone: the EMA teacher (the usual choice) or the student" },
    overwrite: { type: 'boolean', help: 'replace an existing --out file' },
  },
  async run(o) {
    if (!o.out.endsWith('.safetensors')) throw new UsageError(`--out: expected a path ending in .safetensors, got '${o.out}'`);
    refuseOverwritingInputs([{ flag: '--out', path: o.out }], [{ flag: '--checkpoint', path: o.checkpoint }]);
    if (existsSync(o.out) && !o.overwrite) throw new UsageError(`--out: ${o.out} exists; pass --overwrite to replace it`);
    if (!existsSync(dirname(resolve(o.out)))) throw new UsageError(`--out: folder ${dirname(o.out)} does not exist`);
    const info = statSync(o.checkpoint, { throwIfNoEntry: false });
    if (!info?.isFile()) throw new Error(`--checkpoint: ${o.checkpoint}: ${info ? 'not a file' : 'no such file'}`);
    const { readPretrainCheckpoint } = await import('../../ssl/pretrain_checkpoint.js');
    const T = await import('../../engine/index.js');
    const saved = readPretrainCheckpoint(o.checkpoint);
    const weights = o.from === 'teacher' ? saved.teacher : saved.student;
    const backbone = [...weights].filter(([k]) => k.startsWith('transformer.') && k !== 'transformer.mask_token');
    if (backbone.length === 0) throw new Error(`${o.checkpoint}: the ${o.from} holds no transformer.* tensors`);
    T.saveSafetensors(o.out, backbone, {
      format: 'smit-encoder/1',
      config: JSON.stringify(saved.meta.config),
      source: `${o.checkpoint} (${o.from}, step ${saved.meta.step})`,
    });
    process.stdout.write(`wrote ${backbone.length} backbone tensors (${o.from}, step ${saved.meta.step}) to ${o.out}\n`);
  },
});
