import { filesIn } from '../util/paths.js';

/** What a pre-training run writes into its folder, the checkpoint (what resume needs) first. */
export const PRETRAIN_RUN_FILES = {
  checkpoint: 'checkpoint.safetensors',
  metrics: 'metrics.jsonl',
  lossCurves: 'loss_curves.png',
  diagnostics: 'diagnostics.png',
  reconstruction: 'reconstruction.png',
  /** Preprocessed volumes beyond those held in memory, when no --cache-dir is given. */
  preprocessed: 'preprocessed',
} as const;

export type PretrainRunFiles = { [K in keyof typeof PRETRAIN_RUN_FILES]: string };

export function pretrainRunFiles(outDir: string): PretrainRunFiles {
  return filesIn(outDir, PRETRAIN_RUN_FILES);
}
