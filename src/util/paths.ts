import { realpathSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

/** The absolute path with symlinks resolved as far as it exists, so a file still to be written compares equal to the one it would replace. */
export function resolvedPath(path: string): string {
  const absolute = resolve(path);
  try {
    return realpathSync(absolute);
  } catch {
    const parent = dirname(absolute);
    return parent === absolute ? absolute : join(resolvedPath(parent), basename(absolute));
  }
}

/** A folder's file map: each name of `names` joined to `folder`, under the same keys. */
export function filesIn<K extends string>(folder: string, names: Readonly<Record<K, string>>): Record<K, string> {
  return Object.fromEntries(Object.entries<string>(names).map(([key, name]) => [key, join(folder, name)])) as Record<K, string>;
}
