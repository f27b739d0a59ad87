// Outputs are never overwritten by accident: a folder that holds a run needs
// --resume or --overwrite, and no command writes over one of its own inputs.
// The checks only read; nothing is written until all of them have passed.
import { existsSync, renameSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { FINETUNE_RUN_FILES } from '../seg/run_files.js';
import { PRETRAIN_RUN_FILES } from '../ssl/run_files.js';
import { UsageError } from '../util/options.js';
import { resolvedPath } from '../util/paths.js';

export const PRETRAIN_FILE_NAMES: readonly string[] = Object.values(PRETRAIN_RUN_FILES);
export const FINETUNE_FILE_NAMES: readonly string[] = Object.values(FINETUNE_RUN_FILES);


export interface NamedPath {
  flag: string;
  path: string;
}

/** Refuses unless `path` is an existing file (not a folder), naming the option. */
export function requireFile(flag: string, path: string): void {
  const info = statSync(path, { throwIfNoEntry: false });
  if (!info) throw new UsageError(`${flag}: ${path}: no such file`);
  if (!info.isFile()) throw new UsageError(`${flag}: ${path}: is a folder, not a file`);
}

/** Refuses when an output would replace one of the inputs. */
export function refuseOverwritingInputs(outputs: readonly NamedPath[], inputs: readonly NamedPath[]): void {
  for (const output of outputs) {
    const target = resolvedPath(output.path);
    const input = inputs.find((i) => resolvedPath(i.path) === target);
    if (input) throw new UsageError(`${output.flag} would write ${output.path} over the input ${input.flag} ${input.path}`);
  }
}

/**
 * Checks that a run may start in `outDir`. A folder holding any of the run's
 * files needs --resume (which needs the checkpoint, files[0]) or --overwrite.
 * Returns the files an --overwrite run sets aside.
 */
export function checkRunFolder(outDir: string, o: { resume: boolean; overwrite: boolean }, files: readonly string[]): string[] {
  if (o.resume && o.overwrite) throw new UsageError('--resume and --overwrite exclude each other');
  const checkpoint = join(outDir, files[0]);
  if (o.resume) {
    if (!existsSync(checkpoint)) throw new UsageError(`--resume: no checkpoint at ${checkpoint}`);
    return [];
  }
  const present = files.map((f) => join(outDir, f)).filter((p) => existsSync(p));
  if (present.length > 0 && !o.overwrite) {
    throw new UsageError(`${outDir} already holds a run (${present.map((p) => basename(p)).join(', ')}): pass --resume to continue it or --overwrite to start afresh`);
  }
  return present;
}

/**
 * Runs `run` after renaming `setAside` (from checkRunFolder) to <name>.previous,
 * replacing older ones. If the run fails before writing any of its files (bad
 * data, say), they are renamed back, so the folder is as it was.
 */
export async function inRunFolder<R>(outDir: string, setAside: readonly string[], run: () => Promise<R>, files: readonly string[]): Promise<R> {
  for (const path of setAside) renameSync(path, `${path}.previous`);
  try {
    return await run();
  } catch (error) {
    if (!files.some((f) => existsSync(join(outDir, f)))) for (const path of setAside) renameSync(`${path}.previous`, path);
    throw error;
  }
}
