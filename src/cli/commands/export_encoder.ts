import { readPretrainCheckpoint } from '../../ssl/pretrain_checkpoint.js';
import * as T from '../../engine/index.js';
import { parseOptions } from '../options.js';

const DEFAULTS = { checkpoint: '', out: '', from: 'teacher' };

/** Writes the pre-trained backbone alone (keys `transformer.*`, as the official code names them) for fine-tuning. */
export async function exportEncoderCommand(argv: string[]): Promise<void> {
  const o = parseOptions('export-encoder', argv, DEFAULTS, {
    checkpoint: 'pre-training checkpoint (checkpoint.safetensors of a run folder)',
    out: 'output .safetensors file',
    from: "which network's backbone: 'teacher' (EMA, the usual choice) or 'student'",
  });
  if (!o.checkpoint || !o.out) throw new Error('export-encoder: --checkpoint and --out are required');
  if (o.from !== 'teacher' && o.from !== 'student') throw new Error(`export-encoder: --from must be 'teacher' or 'student', got '${o.from}'`);
  const saved = readPretrainCheckpoint(o.checkpoint);
  const weights = o.from === 'teacher' ? saved.teacher : saved.student;
  const backbone = [...weights].filter(([k]) => k.startsWith('transformer.') && k !== 'transformer.mask_token');
  T.saveSafetensors(o.out, backbone, {
    format: 'smit-encoder/1',
    config: JSON.stringify(saved.meta.config),
    source: `${o.checkpoint} (${o.from}, step ${saved.meta.step})`,
  });
  process.stdout.write(`wrote ${backbone.length} backbone tensors (${o.from}, step ${saved.meta.step}) to ${o.out}\n`);
}
