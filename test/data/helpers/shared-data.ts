import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root, from dist/test/data/helpers/ (compiled) — four levels up. */
const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));

/** The shared real data: $SMIT_SHARED_DATA, else ../shared/data beside the repository. */
export const sharedDataDir = process.env.SMIT_SHARED_DATA ?? resolve(repoRoot, '../shared/data');

export function sharedData(...parts: string[]): string {
  return join(sharedDataDir, ...parts);
}

/** A skip reason when the shared data is not there (tests pass it to `test(..., { skip })`). */
export const sharedDataMissing: string | false = existsSync(sharedData('README.md'))
  ? false
  : `shared data not found at ${sharedDataDir} (set SMIT_SHARED_DATA)`;

export const chaosCaseIds = [1, 5, 8, 10, 13, 15, 19, 21, 22, 31, 32, 36, 37, 38, 39];
