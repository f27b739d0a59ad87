// The suites `npm run bench -- <suite>` knows. To add one, write
// bench/suites/<name>.ts with `export default defineSuite({...})` and add ONE
// line here (loaded lazily, so a suite's imports cost nothing to the others).
import type { Suite } from '../harness/workload.js';

export const SUITES: Record<string, () => Promise<Suite>> = {
  engine: async () => (await import('./engine.js')).default,
  networks: async () => (await import('./networks.js')).default,
  data: async () => (await import('./data.js')).default,
  pretrain: async () => (await import('./pretrain.js')).default,
  soak: async () => (await import('./soak.js')).default,
  segment: async () => (await import('./segment.js')).default,
  precision: async () => (await import('./precision.js')).default,
};

export async function loadSuite(name: string): Promise<Suite> {
  const load = SUITES[name];
  if (load === undefined) {
    throw new Error(`unknown suite '${name}' (known: ${Object.keys(SUITES).join(', ')})`);
  }
  return load();
}
