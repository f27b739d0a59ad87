// `smit report`: one page per run folder (RUN_DIR/report.html) with a section
// per run found in it and in its immediate sub-folders (a demo folder holds
// several runs side by side).
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, isAbsolute, join, resolve } from 'node:path';
import { labelColor } from '../viz/palette.js';
import { escapeHtml, figure } from './html.js';
import { LABEL_OPACITY, type ViewerConfig, pageHtml, viewerHtml } from './page.js';
import { type RunKind, runKinds } from './run_kinds.js';
import { type SegmentationReport, readCrossValidation, readEvaluation, readFinetuning, readPretraining, readSegmentations } from './run_readers.js';
import {
  KIND_TITLES,
  type SectionPlace,
  crossValidationSection,
  evaluationSection,
  finetuningSection,
  legend,
  pretrainingSection,
  segmentationHeader,
} from './sections.js';
import { ASSETS_FOLDER, type VolumeSource, ViewerVolumes } from './viewer_volumes.js';

export const REPORT_FILE = 'report.html';
export const DEFAULT_EMBED_LIMIT_MB = 20;

export interface ReportOptions {
  /** Volumes of the viewers are embedded in the page while their total (gzipped) stays under this. Default 20 MB. */
  embedLimitBytes?: number;
  /** A folder of reference label maps <name>.nii(.gz), shown beside segmentations of the same name. */
  referencesDir?: string;
}

export interface ReportSection {
  /** Relative to the run folder ('' for the folder itself). */
  folder: string;
  kind: RunKind;
}

export interface ReportResult {
  path: string;
  sections: ReportSection[];
  viewers: number;
  /** Viewers whose volumes are loaded by URL, so need `smit serve`. */
  servedViewers: number;
  warnings: string[];
}

const IGNORED_FOLDERS = new Set([ASSETS_FOLDER, 'node_modules', '.git']);

/** The run folder's own runs, then those of its sub-folders (one level), in name order. */
function findRuns(root: string): ReportSection[] {
  const found: ReportSection[] = runKinds(root).map((kind) => ({ folder: '', kind }));
  // A cross-validation's arm/fold_<i> folders are its own; they are not separate runs.
  if (found.some((s) => s.kind === 'cross-validation')) return found;
  const folders = readdirSync(root, { withFileTypes: true })
    .filter((e) => (e.isDirectory() || (e.isSymbolicLink() && statSync(join(root, e.name), { throwIfNoEntry: false })?.isDirectory())) && !IGNORED_FOLDERS.has(e.name))
    .map((e) => e.name)
    .sort();
  for (const folder of folders) found.push(...runKinds(join(root, folder)).map((kind) => ({ folder, kind })));
  return found;
}

/** A reference label map for a segmentation: named in its JSON, in --references, or paired with it in an evaluation's summary.json. */
function findReference(seg: SegmentationReport, segDir: string, referencesDir: string | undefined, evaluationDirs: readonly string[]): string | undefined {
  const candidates: string[] = [];
  if (seg.reference) candidates.push(isAbsolute(seg.reference) ? seg.reference : join(segDir, seg.reference));
  if (referencesDir) candidates.push(join(referencesDir, `${seg.name}.nii.gz`), join(referencesDir, `${seg.name}.nii`));
  const predictionNames = new Set([basename(seg.labels), `${seg.name}_seg.nii.gz`, `${seg.name}_seg.nii`]);
  for (const dir of evaluationDirs) {
    let summary;
    try {
      summary = readEvaluation(dir);
    } catch {
      continue;
    }
    for (const c of summary.perCase) {
      if (!predictionNames.has(basename(c.prediction)) || typeof c.reference !== 'string') continue;
      candidates.push(...(isAbsolute(c.reference) ? [c.reference] : [resolve(c.reference), join(dir, c.reference)]));
    }
  }
  return candidates.find((path) => existsSync(path));
}

const slug = (text: string) => text.replace(/[^A-Za-z0-9_-]+/g, '_').replace(/^_+|_+$/g, '') || 'run';

export async function writeReport(runDir: string, options: ReportOptions = {}): Promise<ReportResult> {
  const root = resolve(runDir);
  if (!statSync(root, { throwIfNoEntry: false })?.isDirectory()) throw new Error(`${runDir}: no such folder`);
  if (options.referencesDir !== undefined && !statSync(options.referencesDir, { throwIfNoEntry: false })?.isDirectory()) {
    throw new Error(`--references: ${options.referencesDir}: no such folder`);
  }
  const runs = findRuns(root);
  if (runs.length === 0) {
    throw new Error(
      `${runDir}: holds no run that smit report knows, nor do its sub-folders (looked for metrics.jsonl, plans.json, validation.jsonl, cv_summary.json, <name>_seg.json, summary.json + metrics.csv)`,
    );
  }
  const warnings: string[] = [];
  const volumes = new ViewerVolumes(root, options.embedLimitBytes ?? DEFAULT_EMBED_LIMIT_MB * 2 ** 20);
  const evaluationDirs = runs.filter((r) => r.kind === 'evaluation').map((r) => join(root, r.folder));
  const sections: string[] = [];
  const toc: { id: string; label: string }[] = [];
  let viewers = 0;
  let servedViewers = 0;

  for (const [index, run] of runs.entries()) {
    const place: SectionPlace = { root, folder: run.folder };
    const dir = join(root, run.folder);
    const id = `run-${index}-${slug(`${run.folder}-${run.kind}`)}`;
    const where = run.folder === '' ? basename(root) : run.folder;
    let body: string;
    try {
      switch (run.kind) {
        case 'pretraining':
          body = pretrainingSection(place, readPretraining(dir, warnings));
          break;
        case 'finetuning':
          body = finetuningSection(place, readFinetuning(dir, warnings));
          break;
        case 'cross-validation':
          body = crossValidationSection(place, readCrossValidation(dir, warnings));
          break;
        case 'evaluation':
          body = evaluationSection(place, readEvaluation(dir));
          break;
        case 'segmentation': {
          const articles: string[] = [];
          for (const seg of readSegmentations(dir)) {
            const key = slug(`${run.folder}_${seg.name}`);
            const viewer = await segmentationViewer(seg, dir, key, volumes, options.referencesDir, evaluationDirs, runDir, warnings);
            if (viewer.shown) viewers++;
            if (viewer.served) servedViewers++;
            articles.push(
              `<article class="segmentation" data-name="${escapeHtml(seg.name)}"><h3>${escapeHtml(seg.name)}</h3>\n${segmentationHeader(seg)}\n${viewer.html}\n<div class="figures">${figure(root, run.folder, `${seg.name}_overlay.png`, 'overlay of the labels on the scan')}</div></article>`,
            );
          }
          body = articles.join('\n');
          break;
        }
      }
    } catch (error) {
      // One unreadable run should not cost the page of the others.
      const message = (error as Error).message;
      warnings.push(message);
      body = `<p class="missing">This run could not be read: ${escapeHtml(message)}</p>`;
    }
    sections.push(`<section class="run" id="${id}" data-kind="${run.kind}" data-folder="${escapeHtml(run.folder)}"><h2>${KIND_TITLES[run.kind]}<span class="folder">${escapeHtml(where)}</span></h2>\n${body}\n</section>`);
    toc.push({ id, label: `${KIND_TITLES[run.kind]}: ${where}` });
  }

  const niivueUrl = viewers > 0 ? volumes.writeNiivue() : undefined;
  const path = join(root, REPORT_FILE);
  const generated = new Date().toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
  writeFileSync(
    path,
    pageHtml({
      title: `${basename(root)}: smit report`,
      subtitle: `<code>${escapeHtml(root)}</code> · ${runs.length} section${runs.length === 1 ? '' : 's'} · written ${generated}`,
      toc,
      warnings,
      sections,
      niivueUrl,
    }),
  );
  return { path, sections: runs, viewers, servedViewers, warnings };
}

/** The viewer of one segmentation (scan, predicted labels, reference when known), or why there is none. */
async function segmentationViewer(
  seg: SegmentationReport,
  segDir: string,
  key: string,
  volumes: ViewerVolumes,
  referencesDir: string | undefined,
  evaluationDirs: readonly string[],
  runDir: string,
  warnings: string[],
): Promise<{ html: string; shown: boolean; served: boolean }> {
  const labelsPath = join(segDir, seg.labels);
  if (!existsSync(labelsPath)) {
    return { html: `<p class="missing">${escapeHtml(seg.labels)} is missing: no viewer.</p>`, shown: false, served: false };
  }
  const sources: VolumeSource[] = [];
  const scanPath = isAbsolute(seg.scan) ? seg.scan : [join(segDir, seg.scan), resolve(seg.scan)].find((p) => existsSync(p)) ?? seg.scan;
  let note = '';
  if (existsSync(scanPath)) sources.push({ role: 'scan', path: scanPath });
  else {
    warnings.push(`${join(segDir, `${seg.name}_seg.json`)}: its scan ${seg.scan} is not there any more; the viewer shows the labels alone`);
    note = `<p class="note">The scan (<code>${escapeHtml(seg.scan)}</code>) is not there any more: labels alone.</p>`;
  }
  sources.push({ role: 'prediction', path: labelsPath });
  const reference = findReference(seg, segDir, referencesDir, evaluationDirs);
  if (reference) sources.push({ role: 'reference', path: reference });
  let placed;
  try {
    placed = await volumes.volumes(key, sources);
  } catch (error) {
    const message = `${seg.name}: the viewer's volumes could not be prepared: ${(error as Error).message}`;
    warnings.push(message);
    return { html: `<p class="missing">${escapeHtml(message)}</p>`, shown: false, served: false };
  }
  const config: ViewerConfig = {
    classNames: seg.classNames,
    colors: seg.classNames.map((_, id) => (id === 0 ? [0, 0, 0] : labelColor(id))),
    volumes: placed.volumes,
    window: seg.window,
    opacity: LABEL_OPACITY,
    megabytes: Math.round((placed.bytes / 2 ** 20) * 10) / 10,
    serveDir: runDir,
  };
  const referenceNote = reference ? `<p class="note">reference labels: <code>${escapeHtml(reference)}</code></p>` : '';
  return { html: `${note}${viewerHtml(config, legend(seg))}${referenceNote}`, shown: true, served: !placed.embedded };
}
