// One HTML section per kind of run: key numbers, the Dice table per organ,
// the run's pictures (by relative URL) and links to its raw files.
import { join } from 'node:path';
import type { EvaluationSummary } from '../seg/evaluate.js';
import { FINETUNE_RUN_FILES } from '../seg/run_files.js';
import { PRETRAIN_RUN_FILES } from '../ssl/run_files.js';
import { labelColor } from '../viz/palette.js';
import { type TableRow, duration, escapeHtml, figure, fileLinks, fixed, hexColor, keyNumbers, meanSd, relativeUrl, table } from './html.js';
import { CV_FILES, EVALUATION_FILES, type RunKind } from './run_kinds.js';
import { type CrossValidationRun, type FinetuningRun, PRETRAIN_LOSSES, type PretrainingRun, type SegmentationReport, type Validation } from './run_readers.js';

export const KIND_TITLES: Record<RunKind, string> = {
  pretraining: 'Pre-training',
  finetuning: 'Fine-tuning',
  'cross-validation': 'Cross-validation',
  segmentation: 'Segmentation',
  evaluation: 'Evaluation',
};

/** Where a section's run lives: the report's folder and the run's folder relative to it ('' for the report's own). */
export interface SectionPlace {
  root: string;
  folder: string;
}

const organRow = (organ: string, cells: string[]): TableRow => ({ cells: [escapeHtml(organ), ...cells], attributes: { 'data-organ': organ } });
const meanRow = (cells: string[]): TableRow => ({ cells: ['<strong>mean</strong>', ...cells], className: 'mean' });
const millimetres = (value: number, digits: number) => (Number.isFinite(value) ? `${value.toFixed(digits)} mm` : 'n/a');

export function pretrainingSection(place: SectionPlace, run: PretrainingRun): string {
  const tail = run.tailSteps > 1 ? ` (mean of the last ${run.tailSteps} steps)` : '';
  const numbers = keyNumbers([
    ['steps logged', String(run.steps)],
    run.checkpointStep !== undefined ? ['checkpoint step', String(run.checkpointStep)] : undefined,
    run.network ? ['network', run.network] : undefined,
    ...PRETRAIN_LOSSES.map(({ key, label }) => [`final ${label} loss${key === 'lossTotal' ? tail : ''}`, fixed(run.finalLosses[key], 4)] as const),
    ['first total loss', fixed(run.firstLosses.lossTotal, 4)],
    ['last learning rate', Number.isFinite(run.lastLr) ? run.lastLr.toExponential(2) : 'n/a'],
    ['training time', duration(run.seconds)],
  ]);
  const data = run.data?.length ? `<p class="note">data: ${run.data.map((d) => `<code>${escapeHtml(d)}</code>`).join(', ')}</p>` : '';
  return [
    numbers,
    data,
    '<div class="figures">',
    figure(place.root, place.folder, PRETRAIN_RUN_FILES.lossCurves, 'loss per step: total, MIP, MPD, ITD'),
    figure(place.root, place.folder, PRETRAIN_RUN_FILES.diagnostics, 'distillation diagnostics'),
    figure(place.root, place.folder, PRETRAIN_RUN_FILES.reconstruction, "input, masked input and the student's reconstruction"),
    '</div>',
    fileLinks(place.root, place.folder, [PRETRAIN_RUN_FILES.metrics, PRETRAIN_RUN_FILES.checkpoint]),
  ].join('\n');
}

const validationLabel = (v: Validation | undefined) => (v ? `${fixed(v.meanDice, 4)} (step ${v.step})` : 'n/a');

export function finetuningSection(place: SectionPlace, run: FinetuningRun): string {
  const numbers = keyNumbers([
    ['steps', run.totalSteps !== undefined ? `${run.steps} of ${run.totalSteps}` : String(run.steps)],
    ['final loss (Dice + CE)', `${fixed(run.finalLoss, 4)} (${fixed(run.finalLossDice, 3)} + ${fixed(run.finalLossCe, 3)})`],
    ['best validation Dice', validationLabel(run.best)],
    ['last validation Dice', validationLabel(run.last)],
    run.trainCases !== undefined ? ['cases (train / validation)', `${run.trainCases} / ${run.valCases ?? 0}`] : undefined,
    run.pretrained !== undefined ? ['encoder', run.pretrained ? `pre-trained: ${run.pretrained}` : 'from scratch'] : undefined,
    ['training time', duration(run.seconds)],
  ]);
  let dice = '<p class="missing">No validation yet (validation.jsonl is empty).</p>';
  if (run.validations.length > 0) {
    const columns = run.best && run.best !== run.last ? [run.best, run.last!] : [run.last!];
    const headers = ['organ', ...columns.map((v) => `Dice ${v === run.best ? 'best' : 'last'} (step ${v.step})`)];
    if (columns.length === 1 && run.best === run.last) headers[1] = `Dice best = last (step ${run.last!.step})`;
    const rows = run.organNames.map((organ, k) => organRow(organ, columns.map((v) => fixed(v.organDice[k], 4))));
    rows.push(meanRow(columns.map((v) => fixed(v.meanDice, 4))));
    dice = `<h3>Validation Dice per organ</h3>\n${table('dice', headers, rows)}`;
  }
  return [
    numbers,
    dice,
    '<div class="figures">',
    figure(place.root, place.folder, FINETUNE_RUN_FILES.progress, 'training loss and validation Dice per organ'),
    figure(place.root, place.folder, FINETUNE_RUN_FILES.overlay, 'latest validation: prediction beside the reference'),
    '</div>',
    fileLinks(place.root, place.folder, [FINETUNE_RUN_FILES.plans, FINETUNE_RUN_FILES.splits, FINETUNE_RUN_FILES.metrics, FINETUNE_RUN_FILES.validation, FINETUNE_RUN_FILES.best]),
  ].join('\n');
}

export function crossValidationSection(place: SectionPlace, run: CrossValidationRun): string {
  const numbers = keyNumbers([
    ['folds', String(run.folds)],
    ...run.summaries.map((s) => [`mean Dice, ${s.arm}`, fixed(s.meanDice, 4)] as const),
    ...run.summaries.map((s) => [`mean HD95, ${s.arm}`, millimetres(s.meanHd95, 1)] as const),
    ...run.summaries.map((s) => [`wall time, ${s.arm}`, duration(s.seconds)] as const),
  ]);
  let dice = '<p class="missing">cv_summary.json is not written yet (the folds are still running).</p>';
  if (run.summaries.length > 0) {
    const headers = ['organ', ...run.summaries.flatMap((s) => [`${s.arm} Dice`, `${s.arm} HD95 (mm)`])];
    const rows = run.organNames.map((organ) =>
      organRow(
        organ,
        run.summaries.flatMap((s) => [meanSd(s.organs[organ]?.dice, 3), meanSd(s.organs[organ]?.hd95, 1)]),
      ),
    );
    rows.push(meanRow(run.summaries.flatMap((s) => [fixed(s.meanDice, 3), fixed(s.meanHd95, 1)])));
    dice = `<h3>Dice and HD95 per organ (mean ± sd over held-out cases)</h3>\n${table('dice', headers, rows)}`;
  }
  let folds = '';
  if (run.foldRuns.length > 0) {
    const rows = run.foldRuns.map((f) => ({
      cells: [
        escapeHtml(f.arm),
        String(f.fold),
        escapeHtml(f.heldOut.join(', ')),
        String(f.steps),
        fixed(f.bestDice, 4),
        f.hasProgress ? `<a href="${relativeUrl(join(place.folder, f.folder, FINETUNE_RUN_FILES.progress))}">progress.png</a>` : '',
      ],
    }));
    folds = `<h3>Folds</h3>\n${table('folds', ['arm', 'fold', 'held out', 'steps', 'best validation Dice', 'curves'], rows, 3)}`;
  }
  return [
    numbers,
    dice,
    '<div class="figures">',
    figure(place.root, place.folder, CV_FILES.chart, 'Dice per organ per arm (mean ± sd)'),
    '</div>',
    folds,
    fileLinks(place.root, place.folder, [CV_FILES.markdown, CV_FILES.summary, CV_FILES.splits]),
  ].join('\n');
}

export function evaluationSection(place: SectionPlace, summary: EvaluationSummary): string {
  const fg = summary.foregroundMean ?? { dice: NaN, hd95: NaN, assd: NaN };
  const numbers = keyNumbers([
    ['cases', String(summary.perCase.length)],
    ['mean Dice (foreground)', fixed(fg.dice ?? NaN, 4)],
    ['mean HD95', millimetres(fg.hd95 ?? NaN, 2)],
    ['mean ASSD', millimetres(fg.assd ?? NaN, 2)],
  ]);
  const scored = (name: string) => summary.perCase.filter((c) => typeof c.classes[name]?.dice === 'number').length;
  // One case has no spread to show.
  const stat = (pair: readonly (number | null)[] | undefined, digits: number) => (summary.perCase.length > 1 ? meanSd(pair, digits) : meanSd(pair?.slice(0, 1), digits));
  const rows = summary.classes.map(({ name }) =>
    organRow(name, [stat(summary.meanSd[name]?.dice, 4), stat(summary.meanSd[name]?.hd95, 2), stat(summary.meanSd[name]?.assd, 2), String(scored(name))]),
  );
  rows.push(meanRow([fixed(fg.dice ?? NaN, 4), fixed(fg.hd95 ?? NaN, 2), fixed(fg.assd ?? NaN, 2), '']));
  const dice = `<h3>Dice, HD95 and ASSD per organ${summary.perCase.length > 1 ? ' (mean ± sd over cases)' : ''}</h3>\n${table('dice', ['organ', 'Dice', 'HD95 (mm)', 'ASSD (mm)', 'cases scored'], rows)}`;
  const MAX_CASE_ROWS = 200;
  let perCase = '';
  if (summary.perCase.length > 1) {
    const shown = summary.perCase.slice(0, MAX_CASE_ROWS);
    const caseRows = shown.map((c) => ({ cells: [escapeHtml(c.id), ...summary.classes.map(({ name }) => fixed(c.classes[name]?.dice ?? NaN, 3))] }));
    const more = summary.perCase.length > MAX_CASE_ROWS ? `<p class="note">first ${MAX_CASE_ROWS} of ${summary.perCase.length} cases; metrics.csv has all.</p>` : '';
    perCase = `<details><summary>Dice per case</summary>\n${table('cases', ['case', ...summary.classes.map((c) => c.name)], caseRows)}${more}</details>`;
  }
  return [numbers, dice, perCase, fileLinks(place.root, place.folder, [EVALUATION_FILES.summary, EVALUATION_FILES.csv])].join('\n');
}

/** The legend: every class of the model with its viewer colour and volume; classes not found are marked. */
export function legend(seg: SegmentationReport): string {
  const items = seg.classNames.slice(1).map((organ, k) => {
    const id = k + 1;
    const volume = seg.volumes.find((v) => v.id === id);
    const color = hexColor(labelColor(id));
    const found = volume === undefined || volume.voxels > 0;
    const amount = volume ? (found ? `${fixed(volume.millilitres, 1)} mL` : 'not found') : '';
    return `<li data-label="${id}" data-color="${color}"${found ? '' : ' class="absent"'}><span class="swatch" style="background:${color}"></span><span class="organ">${escapeHtml(organ)}</span> <span class="amount">${amount}</span></li>`;
  });
  return `<ul class="legend">${items.join('')}</ul>`;
}

export function segmentationHeader(seg: SegmentationReport): string {
  const total = seg.volumes.reduce((sum, v) => sum + (Number.isFinite(v.millilitres) ? v.millilitres : 0), 0);
  return keyNumbers([
    ['scan', seg.scan],
    seg.model ? ['model', seg.model.split(/[\\/]/).pop()! + (seg.modelStep !== undefined ? ` (step ${seg.modelStep})` : '')] : undefined,
    seg.size ? ['size (voxels)', seg.size.join(' × ')] : undefined,
    seg.spacing ? ['spacing (mm)', seg.spacing.map((s) => fixed(s, 2)).join(' × ')] : undefined,
    ['organs found', `${seg.volumes.filter((v) => v.voxels > 0).length} of ${seg.classNames.length - 1}`],
    ['segmented volume', `${fixed(total, 1)} mL`],
    seg.seconds !== undefined ? ['time', duration(seg.seconds)] : undefined,
  ]);
}
