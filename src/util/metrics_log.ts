// metrics.jsonl of a run: one JSON object per step, appended as training goes.
// A crash can leave a torn last line; resume drops it (and says so) instead of
// failing, and drops the steps logged after the checkpoint it resumes from.
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';

export class MetricsLog<Row extends { step: number }> {
  constructor(readonly path: string) {}

  append(row: Row): void {
    appendFileSync(this.path, `${JSON.stringify(row)}\n`);
  }

  /** Every complete row; a line that does not parse is reported through `warn` and skipped. */
  read(warn: (message: string) => void = () => {}): Row[] {
    if (!existsSync(this.path)) return [];
    const rows: Row[] = [];
    readFileSync(this.path, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        if (!line.trim()) return;
        try {
          rows.push(JSON.parse(line));
        } catch {
          warn(`${this.path}: line ${i + 1} is incomplete (a crash while writing it?); dropped`);
        }
      });
    return rows;
  }

  /** Keeps only the rows up to `step` (what a checkpoint of that step has seen), rewriting the file. */
  truncateAfter(step: number, warn: (message: string) => void): void {
    if (!existsSync(this.path)) return;
    const kept = this.read(warn).filter((row) => row.step <= step);
    writeFileSync(this.path, kept.map((row) => `${JSON.stringify(row)}\n`).join(''));
  }
}
