// Full-size networks list exactly the official state-dict layout
// (shared/reference/keys-*.tsv) and the published parameter totals.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Module } from '../../src/nn/index.js';
import { smitConfig } from '../../src/models/smit/config.js';
import { SmitNetwork } from '../../src/models/smit/smit_network.js';
import { SmitSegmenter } from '../../src/models/segmenter/smit_segmenter.js';
import { SHARED, requirePath } from '../helpers/env.js';

/** Each state-dict entry as the reference lists it: a parameter, or anything else (buffers, a shared module's second name). */
function layout(module: Module): string[] {
  const params = new Set(module.namedParameters().map(([k]) => k));
  return [...module.stateDict()].map(([k, t]) => `${k}\t${t.shape.join('x')}\t${params.has(k) ? 'param' : 'buffer'}`).sort();
}

const referenceFile = (name: string) => join(SHARED, 'reference', `keys-${name}.tsv`);

function reference(name: string): string[] {
  return readFileSync(referenceFile(name), 'utf8').trim().split('\n').slice(1).sort();
}

const config = smitConfig('small');
const cases: [string, () => Module, number][] = [
  ['student', () => new SmitNetwork(config, 'student'), 49_192_632],
  ['teacher', () => new SmitNetwork(config, 'teacher'), 49_192_584],
  ['segmenter', () => new SmitSegmenter(config), 62_889_078],
];

for (const [name, build, total] of cases) {
  test(`${name}: keys, shapes and kinds equal keys-${name}.tsv; ${total.toLocaleString('en')} parameters`, (t) => {
    if (!requirePath(t, referenceFile(name))) return;
    const model = build();
    assert.deepEqual(layout(model), reference(name));
    assert.equal(model.numParameters(), total);
    model.dispose();
  });
}
