import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DataError } from '../data_error.js';

export interface FolderEntry {
  name: string;
  path: string;
  isFile: boolean;
  isDirectory: boolean;
}

/** The folder's entries in name order, symbolic links followed (a dangling link is an error naming it). */
export async function listFolder(folder: string): Promise<FolderEntry[]> {
  let entries;
  try {
    entries = await readdir(folder, { withFileTypes: true });
  } catch (error) {
    throw new DataError(folder, `cannot list folder (${(error as NodeJS.ErrnoException).code ?? error})`, { cause: error });
  }
  const listed: FolderEntry[] = [];
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(folder, entry.name);
    let kind: { isFile(): boolean; isDirectory(): boolean } = entry;
    if (entry.isSymbolicLink()) {
      try {
        kind = await stat(path);
      } catch (error) {
        throw new DataError(path, `broken symbolic link (${(error as NodeJS.ErrnoException).code ?? error})`, { cause: error });
      }
    }
    listed.push({ name: entry.name, path, isFile: kind.isFile(), isDirectory: kind.isDirectory() });
  }
  return listed;
}
