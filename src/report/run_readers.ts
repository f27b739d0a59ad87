// Reading what each kind of run wrote, into the few numbers a report shows.
// JSON has no NaN: the commands write undefined metrics as null, read back as NaN.
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ArmSummary, FoldSplit } from '../seg/cross_validation.js';
import type { EvaluationSummary } from '../seg/evaluate.js';
import type { FinetuneStepMetrics, ValidationResult } from '../seg/finetuner.js';
import { FINETUNE_RUN_FILES } from '../seg/run_files.js';
import type { OrganVolume } from '../seg/segment.js';
import type { StepMetrics } from '../ssl/pretrainer.js';
import { PRETRAIN_RUN_FILES } from '../ssl/run_files.js';
import { MetricsLog } from '../util/metrics_log.js';
import { CV_FILES, EVALUATION_FILES, SEGMENTATION_REPORT } from './run_kinds.js';

export const num = (value: unknown): number => (typeof value === 'number' ? value : NaN);

function readJson<T>(path: string): T {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`${path}: cannot read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new Error(`${path}: not valid JSON (${(error as Error).message})`);
  }
}

function readJsonl<Row extends { step: number }>(path: string, warnings: string[]): Row[] {
  return new MetricsLog<Row>(path).read((message) => warnings.push(message));
}

/** The metadata of a safetensors file (its JSON header's __metadata__), without reading the tensors. */
export function safetensorsMetadata(path: string): Record<string, string> | undefined {
  if (!existsSync(path)) return undefined;
  const fd = openSync(path, 'r');
  try {
    const length = Buffer.alloc(8);
    if (readSync(fd, length, 0, 8, 0) !== 8) return undefined;
    const headerBytes = Number(length.readBigUInt64LE());
    if (headerBytes > 100 * 2 ** 20 || headerBytes > statSync(path).size) return undefined;
    const header = Buffer.alloc(headerBytes);
    readSync(fd, header, 0, headerBytes, 8);
    return (JSON.parse(header.toString('utf8')) as { __metadata__?: Record<string, string> }).__metadata__;
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

type LossName = 'lossTotal' | 'lossMip' | 'lossMpd' | 'lossItd';
export const PRETRAIN_LOSSES: readonly { key: LossName; label: string }[] = [
  { key: 'lossTotal', label: 'total' },
  { key: 'lossMip', label: 'MIP' },
  { key: 'lossMpd', label: 'MPD' },
  { key: 'lossItd', label: 'ITD' },
];

export interface PretrainingRun {
  steps: number;
  /** Mean of each loss over the last `tailSteps` logged steps. */
  finalLosses: Record<LossName, number>;
  tailSteps: number;
  firstLosses: Record<LossName, number>;
  lastLr: number;
  seconds: number;
  checkpointStep?: number;
  network?: string;
  data?: string[];
}

const TAIL_STEPS = 10;

export function readPretraining(dir: string, warnings: string[]): PretrainingRun {
  const rows = readJsonl<StepMetrics>(join(dir, PRETRAIN_RUN_FILES.metrics), warnings);
  const tail = rows.slice(-TAIL_STEPS);
  const mean = (key: LossName, of: readonly StepMetrics[]) => of.reduce((sum, r) => sum + num(r[key]), 0) / of.length;
  const losses = (of: readonly StepMetrics[]) => Object.fromEntries(PRETRAIN_LOSSES.map(({ key }) => [key, of.length ? mean(key, of) : NaN])) as Record<LossName, number>;
  const run: PretrainingRun = {
    steps: rows.length ? rows[rows.length - 1].step : 0,
    finalLosses: losses(tail),
    tailSteps: tail.length,
    firstLosses: losses(rows.slice(0, 1)),
    lastLr: rows.length ? num(rows[rows.length - 1].lr) : NaN,
    seconds: rows.reduce((sum, r) => sum + num(r.seconds), 0),
  };
  const metadata = safetensorsMetadata(join(dir, PRETRAIN_RUN_FILES.checkpoint));
  if (metadata?.state) {
    try {
      const state = JSON.parse(metadata.state) as { step?: number; options?: { config?: string; data?: string[] } };
      run.checkpointStep = state.step;
      run.network = state.options?.config;
      run.data = state.options?.data;
    } catch {
      warnings.push(`${join(dir, PRETRAIN_RUN_FILES.checkpoint)}: its state metadata is not JSON; checkpoint step not shown`);
    }
  }
  return run;
}

export interface Validation {
  step: number;
  meanDice: number;
  /** Per organ, in class id order 1 … K−1. */
  organDice: number[];
  cases: number;
}

export interface FinetuningRun {
  organNames: string[];
  steps: number;
  totalSteps?: number;
  finalLoss: number;
  finalLossDice: number;
  finalLossCe: number;
  seconds: number;
  validations: Validation[];
  best?: Validation;
  last?: Validation;
  trainCases?: number;
  valCases?: number;
  pretrained?: string | null;
}

interface Plans {
  classNames?: string[];
  totalSteps?: number;
  options?: { pretrained?: string | null };
}

export function readFinetuning(dir: string, warnings: string[]): FinetuningRun {
  const plansPath = join(dir, FINETUNE_RUN_FILES.plans);
  const plans = existsSync(plansPath) ? readJson<Plans>(plansPath) : {};
  const rows = readJsonl<FinetuneStepMetrics>(join(dir, FINETUNE_RUN_FILES.metrics), warnings);
  const validations = readJsonl<ValidationResult>(join(dir, FINETUNE_RUN_FILES.validation), warnings).map((v) => ({
    step: v.step,
    meanDice: num(v.meanDice),
    organDice: (v.meanPerClass ?? []).map(num),
    cases: v.perCase?.length ?? 0,
  }));
  const classes = plans.classNames ?? [];
  const organCount = Math.max(classes.length - 1, ...validations.map((v) => v.organDice.length), 0);
  const organNames = Array.from({ length: organCount }, (_, k) => classes[k + 1] ?? `class_${k + 1}`);
  const best = validations.reduce<Validation | undefined>((b, v) => (!Number.isNaN(v.meanDice) && (b === undefined || v.meanDice > b.meanDice) ? v : b), undefined);
  const last = rows.at(-1);
  const run: FinetuningRun = {
    organNames,
    steps: last?.step ?? 0,
    totalSteps: plans.totalSteps,
    finalLoss: num(last?.loss),
    finalLossDice: num(last?.lossDice),
    finalLossCe: num(last?.lossCe),
    seconds: rows.reduce((sum, r) => sum + num(r.seconds), 0),
    validations,
    best,
    last: validations.at(-1),
    pretrained: plans.options?.pretrained,
  };
  const splitsPath = join(dir, FINETUNE_RUN_FILES.splits);
  if (existsSync(splitsPath)) {
    const splits = readJson<{ train?: string[]; val?: string[] }>(splitsPath);
    run.trainCases = splits.train?.length;
    run.valCases = splits.val?.length;
  }
  return run;
}

export interface CvFold {
  arm: string;
  fold: number;
  /** Relative to the cross-validation folder. */
  folder: string;
  heldOut: string[];
  bestDice: number;
  steps: number;
  hasProgress: boolean;
}

export interface CrossValidationRun {
  folds: number;
  organNames: string[];
  summaries: ArmSummary[];
  foldRuns: CvFold[];
}

export function readCrossValidation(dir: string, warnings: string[]): CrossValidationRun {
  const summaryPath = join(dir, CV_FILES.summary);
  const summary = existsSync(summaryPath) ? readJson<{ folds: number; classNames: string[]; summaries: ArmSummary[] }>(summaryPath) : undefined;
  const splitsPath = join(dir, CV_FILES.splits);
  const splits = existsSync(splitsPath) ? readJson<FoldSplit[]>(splitsPath) : [];
  if (!Array.isArray(splits)) throw new Error(`${splitsPath}: expected a list of folds ({ fold, train, val })`);
  const foldRuns: CvFold[] = [];
  const arms = readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory() && e.name !== 'report_assets').map((e) => e.name).sort();
  for (const arm of arms) {
    for (const split of splits) {
      const folder = join(arm, `fold_${split.fold}`);
      const runDir = join(dir, folder);
      if (!existsSync(runDir)) continue;
      const run = readFinetuning(runDir, warnings);
      foldRuns.push({
        arm,
        fold: split.fold,
        folder,
        heldOut: split.val,
        bestDice: run.best?.meanDice ?? NaN,
        steps: run.steps,
        hasProgress: existsSync(join(runDir, FINETUNE_RUN_FILES.progress)),
      });
    }
  }
  const summaries = (summary?.summaries ?? []).map((s) => ({ ...s, meanDice: num(s.meanDice), meanHd95: num(s.meanHd95) }));
  return {
    folds: summary?.folds ?? splits.length,
    organNames: summary?.classNames.slice(1) ?? [],
    summaries,
    foldRuns,
  };
}

export interface SegmentationReport {
  name: string;
  /** The scan that was segmented (a NIfTI file or DICOM folder), as the report names it. */
  scan: string;
  labels: string;
  model?: string;
  modelStep?: number;
  classNames: string[];
  volumes: OrganVolume[];
  size?: number[];
  spacing?: number[];
  /** CT window (HU) of the model's recipe, for the viewer's display range. */
  window?: [number, number];
  /** A reference label map named by the JSON (a `reference` key), if any. */
  reference?: string;
  seconds?: number;
}

interface SegJson {
  scan?: string;
  labels?: string;
  model?: string;
  modelStep?: number;
  classNames?: string[];
  volumes?: OrganVolume[];
  size?: number[];
  spacing?: number[];
  reference?: string;
  seconds?: number;
  settings?: { recipe?: { intensity?: { kind?: string; window?: { aMin: number; aMax: number } } } };
}

export function readSegmentations(dir: string): SegmentationReport[] {
  const reports: SegmentationReport[] = [];
  for (const file of readdirSync(dir).sort()) {
    const name = SEGMENTATION_REPORT.exec(file)?.[1];
    if (name === undefined) continue;
    const path = join(dir, file);
    const json = readJson<SegJson>(path);
    if (!Array.isArray(json.classNames) || typeof json.scan !== 'string') {
      throw new Error(`${path}: not a segmentation report of smit segment (expected "scan" and "classNames")`);
    }
    const intensity = json.settings?.recipe?.intensity;
    reports.push({
      name,
      scan: json.scan,
      labels: json.labels ?? `${name}_seg.nii.gz`,
      model: json.model,
      modelStep: json.modelStep,
      classNames: json.classNames,
      volumes: json.volumes ?? [],
      size: json.size,
      spacing: json.spacing,
      window: intensity?.kind === 'window' && intensity.window ? [intensity.window.aMin, intensity.window.aMax] : undefined,
      reference: json.reference,
      seconds: json.seconds,
    });
  }
  return reports;
}

export function readEvaluation(dir: string): EvaluationSummary {
  const path = join(dir, EVALUATION_FILES.summary);
  const summary = readJson<EvaluationSummary>(path);
  if (!Array.isArray(summary.classes) || !Array.isArray(summary.perCase) || summary.meanSd === undefined) {
    throw new Error(`${path}: not an evaluation summary of smit evaluate (expected "classes", "perCase" and "meanSd")`);
  }
  return summary;
}
