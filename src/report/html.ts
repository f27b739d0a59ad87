// Small HTML builders for the report: every text that came from a file is escaped here.
import { existsSync } from 'node:fs';
import { join, sep } from 'node:path';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

/** A relative URL for a relative file path (segments percent-encoded, '/' separated). */
export function relativeUrl(path: string): string {
  return path
    .split(sep)
    .filter((part) => part !== '' && part !== '.')
    .map(encodeURIComponent)
    .join('/');
}

/** A number for a table: fixed digits, 'n/a' for NaN (undefined metric). */
export function fixed(value: number | undefined, digits: number): string {
  return value !== undefined && Number.isFinite(value) ? value.toFixed(digits) : 'n/a';
}

export function meanSd(pair: readonly (number | null)[] | undefined, digits: number): string {
  const [mean, sd] = (pair ?? []).map((v) => (typeof v === 'number' ? v : NaN));
  if (!Number.isFinite(mean)) return 'n/a';
  return Number.isFinite(sd) ? `${mean.toFixed(digits)} ± ${sd.toFixed(digits)}` : mean.toFixed(digits);
}

export function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return 'n/a';
  if (seconds < 120) return `${seconds.toFixed(1)} s`;
  if (seconds < 7200) return `${(seconds / 60).toFixed(1)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

/** The key numbers of a run: label → value (already formatted). */
export function keyNumbers(entries: readonly (readonly [string, string] | undefined)[]): string {
  const items = entries.filter((e): e is readonly [string, string] => e !== undefined);
  return `<dl class="numbers">${items.map(([label, value]) => `<div><dt>${escapeHtml(label)}</dt><dd>${escapeHtml(value)}</dd></div>`).join('')}</dl>`;
}

export interface TableRow {
  cells: readonly string[];
  /** Extra attributes of the <tr>, e.g. data-organ. */
  attributes?: Record<string, string>;
  className?: string;
}

/** A table of already-escaped cell HTML; numeric columns (index ≥ numericFrom) are right-aligned. */
export function table(className: string, headers: readonly string[], rows: readonly TableRow[], numericFrom = 1): string {
  const th = headers.map((h, i) => `<th${i >= numericFrom ? ' class="num"' : ''}>${escapeHtml(h)}</th>`).join('');
  const body = rows
    .map((row) => {
      const attrs = Object.entries(row.attributes ?? {})
        .map(([k, v]) => ` ${k}="${escapeHtml(v)}"`)
        .join('');
      const cls = row.className ? ` class="${row.className}"` : '';
      return `<tr${cls}${attrs}>${row.cells.map((c, i) => `<td${i >= numericFrom ? ' class="num"' : ''}>${c}</td>`).join('')}</tr>`;
    })
    .join('\n');
  return `<table class="${className}"><thead><tr>${th}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

/**
 * A picture of the run, by relative URL so the page works opened from disk;
 * `folder` is the run folder relative to the report, `root` the report's folder.
 */
export function figure(root: string, folder: string, file: string, caption: string): string {
  const path = join(folder, file);
  if (!existsSync(join(root, path))) return `<p class="missing">${escapeHtml(file)} is not written yet.</p>`;
  const url = relativeUrl(path);
  return `<figure><a href="${url}"><img src="${url}" alt="${escapeHtml(caption)}" loading="lazy"></a><figcaption>${escapeHtml(caption)} (<code>${escapeHtml(file)}</code>)</figcaption></figure>`;
}

/** Links to the run's raw files that exist. */
export function fileLinks(root: string, folder: string, files: readonly string[]): string {
  const present = files.filter((f) => existsSync(join(root, folder, f)));
  if (present.length === 0) return '';
  return `<p class="files">files: ${present.map((f) => `<a href="${relativeUrl(join(folder, f))}"><code>${escapeHtml(f)}</code></a>`).join(' · ')}</p>`;
}

export function hexColor([r, g, b]: readonly number[]): string {
  return `#${[r, g, b].map((c) => c.toString(16).padStart(2, '0')).join('')}`;
}
