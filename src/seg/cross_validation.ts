// k-fold cross-validation of fine-tuning: deterministic folds in splits.json
// (editable, reused on rerun), one fine-tuning per fold and arm (from the
// pre-trained encoder, and from scratch when compared), each resumable, each
// fold's held-out cases segmented on their own grid by the fold's last model
// and scored (Dice, HD95, ASSD in mm), pooled into a table per organ.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type DatasetEntry, kFoldSplits, loadCase, readDecathlonList } from '../data/index.js';
import { ProgressBar } from '../util/progress_bar.js';
import { caseId, classNamesOf } from './finetune_data.js';
import type { FinetuneOptions } from './finetune_options.js';
import { evaluate } from './evaluate.js';
import { type SegmentOptions, openSegmenter, segment } from './segment.js';
import { finetuneRunFiles } from './run_files.js';
import { runFinetuning } from './run_finetuning.js';
import { writeCvChart } from './cv_report.js';

export interface CvOptions {
  finetune: FinetuneOptions;
  folds: number;
  /** Also fine-tune every fold from scratch (when finetune.pretrained is set). */
  compareScratch: boolean;
}

export interface FoldSplit {
  fold: number;
  train: string[];
  val: string[];
}

export type Arm = 'pretrained' | 'scratch';

export interface CaseScore {
  id: string;
  fold: number;
  /** Per organ name: Dice, HD95 (mm) and ASSD (mm); NaN where undefined. */
  organs: Record<string, { dice: number; hd95: number; assd: number }>;
  /** Seconds segment() took on the case (preprocessing, windows, back to its grid); absent in older files. */
  segmentSeconds?: number;
}

export interface OrganSummary {
  dice: [mean: number, sd: number];
  hd95: [mean: number, sd: number];
  assd: [mean: number, sd: number];
}

export interface ArmSummary {
  arm: Arm;
  cases: CaseScore[];
  organs: Record<string, OrganSummary>;
  /** Mean over organs of the per-organ means. */
  meanDice: number;
  meanHd95: number;
  seconds: number;
}

/** The folds: those of an existing splits.json (checked against the cases), else k seeded folds, written there. */
export function foldSplits(path: string, ids: readonly string[], k: number, seed: number): FoldSplit[] {
  if (existsSync(path)) {
    const saved = JSON.parse(readFileSync(path, 'utf8')) as FoldSplit[];
    const known = new Set(ids);
    for (const f of saved) {
      const unknown = [...f.train, ...f.val].filter((id) => !known.has(id));
      if (unknown.length) throw new Error(`${path}: fold ${f.fold} names cases not in the dataset: ${unknown.join(', ')}`);
    }
    return saved;
  }
  if (!Number.isInteger(k) || k < 2 || k > ids.length) throw new Error(`--folds ${k}: must be between 2 and the number of labelled cases (${ids.length})`);
  mkdirSync(dirname(path), { recursive: true });
  const splits = kFoldSplits([...ids], k, seed).map((f, fold) => ({ fold, train: f.training, val: f.validation }));
  writeFileSync(path, `${JSON.stringify(splits, null, 2)}\n`);
  return splits;
}

/** JSON has no NaN or Infinity: they are written as null (undefined metric). */
export const nanAsNull = (_: string, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v);

const nullAsNaN = (_: string, v: unknown) => (v === null ? NaN : v);

const meanSd = (values: readonly number[]): [number, number] => {
  const v = values.filter((x) => Number.isFinite(x));
  if (v.length === 0) return [NaN, NaN];
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  return [mean, Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, v.length - 1))];
};

/** Segments each held-out case with the fold's model on the case's own grid and scores it against its label map. */
export async function scoreFold(
  modelPath: string,
  entries: readonly DatasetEntry[],
  fold: number,
  classNames: readonly string[],
  options: SegmentOptions = {},
): Promise<CaseScore[]> {
  const segmenter = openSegmenter(modelPath);
  const pairs = [];
  const seconds = new Map<string, number>();
  try {
    for (const entry of entries) {
      const { image, label } = await loadCase(entry, { classIds: classNames.map((_, i) => i) });
      const started = performance.now();
      const prediction = (await segment(image, segmenter, options)).labels;
      seconds.set(caseId(entry), (performance.now() - started) / 1000);
      pairs.push({ id: caseId(entry), prediction, reference: label! });
    }
  } finally {
    segmenter.model.dispose();
  }
  const summary = await evaluate(pairs, { classNames });
  return summary.perCase.map((c) => ({
    id: c.id,
    fold,
    organs: Object.fromEntries(Object.entries(c.classes).map(([name, m]) => [name, { dice: m.dice, hd95: m.hd95, assd: m.assd }])),
    segmentSeconds: seconds.get(c.id),
  }));
}

export function summarizeArm(arm: Arm, cases: CaseScore[], organNames: readonly string[], seconds: number): ArmSummary {
  const organs = Object.fromEntries(
    organNames.map((name) => [
      name,
      {
        dice: meanSd(cases.map((c) => c.organs[name].dice)),
        hd95: meanSd(cases.map((c) => c.organs[name].hd95)),
        assd: meanSd(cases.map((c) => c.organs[name].assd)),
      },
    ]),
  );
  const mean = (pick: (o: OrganSummary) => number) => meanSd(organNames.map((n) => pick(organs[n])))[0];
  return { arm, cases, organs, meanDice: mean((o) => o.dice[0]), meanHd95: mean((o) => o.hd95[0]), seconds };
}

export function cvMarkdown(summaries: readonly ArmSummary[], organNames: readonly string[], k: number): string {
  const f = (v: [number, number], digits: number) => (Number.isFinite(v[0]) ? `${v[0].toFixed(digits)} ± ${v[1].toFixed(digits)}` : 'n/a');
  const lines = [
    `${k}-fold cross-validation: Dice and HD95 (mm) per organ, mean ± sd over the held-out cases, on each scan's own grid`,
    '',
    `| arm | ${organNames.map((n) => `${n} Dice | ${n} HD95`).join(' | ')} | mean Dice | mean HD95 | wall time |`,
    `|---|${organNames.map(() => '---:|---:').join('|')}|---:|---:|---:|`,
  ];
  for (const s of summaries) {
    lines.push(
      `| ${s.arm} | ${organNames.map((n) => `${f(s.organs[n].dice, 3)} | ${f(s.organs[n].hd95, 1)}`).join(' | ')} | ${s.meanDice.toFixed(3)} | ${s.meanHd95.toFixed(1)} | ${(s.seconds / 60).toFixed(1)} min |`,
    );
  }
  return `${lines.join('\n')}\n`;
}

export async function runCrossValidation(o: CvOptions): Promise<ArmSummary[]> {
  const root = o.finetune.outDir;
  const jsonPath = o.finetune.data;
  const list = await readDecathlonList(jsonPath);
  const classNames = classNamesOf(list.labels, jsonPath);
  const organNames = classNames.slice(1);
  const entries = [...list.training, ...list.validation];
  const byId = new Map(entries.map((e) => [caseId(e), e]));
  const splits = foldSplits(join(root, 'splits.json'), [...byId.keys()], o.folds, o.finetune.seed);
  const arms: Arm[] = o.finetune.pretrained ? (o.compareScratch ? ['pretrained', 'scratch'] : ['pretrained']) : ['scratch'];
  const summaries: ArmSummary[] = [];
  for (const arm of arms) {
    let seconds = 0;
    const cases: CaseScore[] = [];
    for (const split of splits) {
      const runDir = join(root, arm, `fold_${split.fold}`);
      const files = finetuneRunFiles(runDir);
      const scoresPath = join(runDir, 'fold_scores.json');
      if (existsSync(scoresPath)) {
        const saved = JSON.parse(readFileSync(scoresPath, 'utf8'), nullAsNaN) as { seconds: number; cases: CaseScore[] };
        cases.push(...saved.cases);
        seconds += saved.seconds;
        continue;
      }
      const started = performance.now();
      process.stderr.write(`cv: ${arm}, fold ${split.fold + 1} of ${splits.length} (${split.val.join(', ')} held out)\n`);
      await runFinetuning({
        ...o.finetune,
        outDir: runDir,
        pretrained: arm === 'pretrained' ? o.finetune.pretrained : null,
        trainCases: split.train,
        valCases: split.val,
        resume: existsSync(files.checkpoint),
        maxSteps: null,
      });
      const bar = new ProgressBar(`cv evaluate fold ${split.fold + 1}`, 1);
      const scores = await scoreFold(files.last, split.val.map((id) => byId.get(id)!), split.fold, classNames);
      bar.update(1);
      const foldSeconds = (performance.now() - started) / 1000;
      writeFileSync(scoresPath, `${JSON.stringify({ seconds: foldSeconds, cases: scores }, nanAsNull, 2)}\n`);
      cases.push(...scores);
      seconds += foldSeconds;
    }
    summaries.push(summarizeArm(arm, cases, organNames, seconds));
  }
  const json = JSON.stringify({ folds: splits.length, classNames, summaries }, nanAsNull, 2);
  writeFileSync(join(root, 'cv_summary.json'), `${json}\n`);
  writeFileSync(join(root, 'cv_summary.md'), cvMarkdown(summaries, organNames, splits.length));
  writeCvChart(join(root, 'cv_dice.png'), summaries, organNames);
  return summaries;
}
