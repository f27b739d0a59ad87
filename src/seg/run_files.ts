import { filesIn } from '../util/paths.js';

/**
 * What a fine-tuning run writes into its folder, the checkpoint (what resume
 * needs) first: plans.json (resolved settings and recipe), splits.json
 * (training and validation cases), per-step and per-validation logs,
 * progress.png, an overlay of the latest validation, and the best and last
 * segmentation models.
 */
export const FINETUNE_RUN_FILES = {
  checkpoint: 'checkpoint.safetensors',
  metrics: 'metrics.jsonl',
  validation: 'validation.jsonl',
  plans: 'plans.json',
  splits: 'splits.json',
  progress: 'progress.png',
  overlay: 'validation_overlay.png',
  best: 'model_best.safetensors',
  last: 'model_last.safetensors',
} as const;

export type FinetuneRunFiles = { [K in keyof typeof FINETUNE_RUN_FILES]: string };

export function finetuneRunFiles(outDir: string): FinetuneRunFiles {
  return filesIn(outDir, FINETUNE_RUN_FILES);
}
