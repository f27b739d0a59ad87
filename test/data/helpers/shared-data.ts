import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SHARED } from '../../helpers/shared.js';

/** The shared real data: $SMIT_SHARED_DATA, else data/ in the shared folder beside the repository. */
export const sharedDataDir = process.env.SMIT_SHARED_DATA ?? join(SHARED, 'data');

export function sharedData(...parts: string[]): string {
  return join(sharedDataDir, ...parts);
}

/** A skip reason when the shared data is not there (tests pass it to `test(..., { skip })`). */
export const sharedDataMissing: string | false = existsSync(sharedData('README.md'))
  ? false
  : `shared data not found at ${sharedDataDir} (set SMIT_SHARED_DATA)`;

export const chaosCaseIds = [1, 5, 8, 10, 13, 15, 19, 21, 22, 31, 32, 36, 37, 38, 39];
