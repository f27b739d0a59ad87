import { statSync } from 'node:fs';
import { UsageError, defineCommand } from '../../util/options.js';

/**
 * `smit report RUN_DIR` and `smit serve RUN_DIR`: the option parser takes
 * flags only, so a leading bare argument is read as --run-dir.
 */
export function withRunDirFlag(argv: readonly string[]): string[] {
  const [first, ...rest] = argv;
  return first !== undefined && !first.startsWith('-') ? ['--run-dir', first, ...rest] : [...argv];
}

export function checkRunDir(runDir: string): void {
  const info = statSync(runDir, { throwIfNoEntry: false });
  if (!info?.isDirectory()) throw new UsageError(`--run-dir: ${runDir}: ${info ? 'not a folder' : 'no such folder'}`);
}

/** Writes RUN_DIR/report.html: curves, pictures, key numbers, Dice tables and a 3-D viewer per segmentation. */
export const reportCommand = defineCommand({
  about: 'write RUN_DIR/report.html for a run folder (or RUN_DIR given first): curves, key numbers, Dice tables, 3-D viewers',
  options: {
    runDir: { type: 'string', required: true, help: 'run folder (pre-training, fine-tuning, cross-validation, segment or evaluate output, or a folder of them)' },
    embedLimitMb: { type: 'number', min: 0, default: 20, help: "viewers' volumes (gzipped) are embedded in the page up to this many MB; beyond it the page needs `smit serve`" },
    references: { type: 'string', help: 'folder of reference label maps <name>.nii.gz shown beside segmentations of the same name' },
  },
  async run(o) {
    checkRunDir(o.runDir);
    if (o.references !== null && !statSync(o.references, { throwIfNoEntry: false })?.isDirectory()) {
      throw new UsageError(`--references: ${o.references}: no such folder`);
    }
    const { writeReport } = await import('../../report/write_report.js');
    const result = await writeReport(o.runDir, { embedLimitBytes: o.embedLimitMb * 2 ** 20, referencesDir: o.references ?? undefined });
    for (const warning of result.warnings) process.stderr.write(`warning: ${warning}\n`);
    const kinds = result.sections.map((s) => `${s.kind}${s.folder ? ` (${s.folder})` : ''}`).join(', ');
    process.stdout.write(`wrote ${result.path}: ${kinds}${result.viewers ? `; ${result.viewers} viewer${result.viewers === 1 ? '' : 's'}` : ''}\n`);
    if (result.servedViewers > 0) {
      process.stdout.write(`${result.servedViewers} viewer(s) hold volumes too large to embed: run \`smit serve ${o.runDir}\` and open the address it prints\n`);
    }
  },
});
