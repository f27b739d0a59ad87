// Which kinds of run a folder holds, told by the files the commands write.
// One folder can hold several (segmentations scored into the same folder
// hold both segmentation and evaluation files).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { FINETUNE_RUN_FILES } from '../seg/run_files.js';
import { PRETRAIN_RUN_FILES } from '../ssl/run_files.js';

export type RunKind = 'pretraining' | 'finetuning' | 'cross-validation' | 'segmentation' | 'evaluation';

export const CV_FILES = { summary: 'cv_summary.json', markdown: 'cv_summary.md', chart: 'cv_dice.png', splits: 'splits.json' } as const;
export const EVALUATION_FILES = { summary: 'summary.json', csv: 'metrics.csv' } as const;
export const SEGMENTATION_REPORT = /^(.+)_seg\.json$/;

const exists = (dir: string, name: string) => existsSync(join(dir, name));

/** The first complete line of a JSONL file, parsed, or undefined. */
function firstRow(path: string): Record<string, unknown> | undefined {
  if (!existsSync(path)) return undefined;
  const line = readFileSync(path, 'utf8').split('\n').find((l) => l.trim() !== '');
  if (line === undefined) return undefined;
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

function isFoldFolder(dir: string): boolean {
  return readdirSync(dir, { withFileTypes: true }).some(
    (arm) => arm.isDirectory() && readdirSync(join(dir, arm.name), { withFileTypes: true }).some((f) => f.isDirectory() && /^fold_\d+$/.test(f.name)),
  );
}

/** Cross-validation writes a list of folds into splits.json; a fine-tuning run writes one { train, val } object. */
function splitsAreFolds(dir: string): boolean {
  try {
    return Array.isArray(JSON.parse(readFileSync(join(dir, CV_FILES.splits), 'utf8')));
  } catch {
    return false;
  }
}

export function runKinds(dir: string): RunKind[] {
  if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) return [];
  const kinds: RunKind[] = [];
  const metrics = firstRow(join(dir, PRETRAIN_RUN_FILES.metrics));
  const cv = exists(dir, CV_FILES.summary) || (exists(dir, CV_FILES.splits) && splitsAreFolds(dir) && isFoldFolder(dir));
  const finetuning =
    !cv &&
    (exists(dir, FINETUNE_RUN_FILES.plans) ||
      exists(dir, FINETUNE_RUN_FILES.validation) ||
      exists(dir, FINETUNE_RUN_FILES.best) ||
      (metrics !== undefined && 'lossDice' in metrics));
  const pretraining =
    !finetuning && !cv && (metrics !== undefined ? 'lossMip' in metrics : exists(dir, PRETRAIN_RUN_FILES.checkpoint) && exists(dir, PRETRAIN_RUN_FILES.lossCurves));
  if (pretraining) kinds.push('pretraining');
  if (finetuning) kinds.push('finetuning');
  if (cv) kinds.push('cross-validation');
  if (readdirSync(dir).some((name) => SEGMENTATION_REPORT.test(name))) kinds.push('segmentation');
  if (exists(dir, EVALUATION_FILES.summary) && exists(dir, EVALUATION_FILES.csv)) kinds.push('evaluation');
  return kinds;
}
