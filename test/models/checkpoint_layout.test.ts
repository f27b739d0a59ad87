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
import { SHARED } from '../helpers/shared.js';

function layout(module: Module): string[] {
  return [
    ...module.namedParameters().map(([k, t]) => `${k}\t${t.shape.join('x')}\tparam`),
    ...module.namedBuffers().map(([k, t]) => `${k}\t${t.shape.join('x')}\tbuffer`),
  ].sort();
}

function reference(name: string): string[] {
  return readFileSync(join(SHARED, 'reference', `keys-${name}.tsv`), 'utf8').trim().split('\n').slice(1).sort();
}

const config = smitConfig('small');
const cases: [string, () => Module, number][] = [
  ['student', () => new SmitNetwork(config, 'student'), 49_192_632],
  ['teacher', () => new SmitNetwork(config, 'teacher'), 49_192_584],
  ['segmenter', () => new SmitSegmenter(config), 62_889_078],
];

for (const [name, build, total] of cases) {
  test(`${name}: keys, shapes and kinds equal keys-${name}.tsv; ${total.toLocaleString('en')} parameters`, () => {
    const model = build();
    assert.deepEqual(layout(model), reference(name));
    assert.equal(model.numParameters(), total);
    model.dispose();
  });
}
