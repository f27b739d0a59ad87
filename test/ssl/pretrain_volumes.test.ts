import assert from 'node:assert/strict';
import { readFileSync, readdirSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import * as T from '../../src/engine/index.js';
import { CT_WINDOW, Image, affineFromRows, saveImage } from '../../src/data/index.js';
import { type PretrainRecipe } from '../../src/ssl/recipe.js';
import { PretrainVolumes, preparePretrainVolumes } from '../../src/ssl/pretrain_data.js';
import { makeTempDir } from '../helpers/temp_dir.js';

const dir = makeTempDir();
const recipe: PretrainRecipe = { spacing: [2, 2, 2], intensity: { kind: 'window', window: CT_WINDOW }, region: [16, 16, 16], view: [16, 16, 16] };
const affine = affineFromRows([[3, 0, 0, 0], [0, 3, 0, 0], [0, 0, 3, 0]]);

async function writeVolumes(count: number): Promise<{ image: string }[]> {
  const entries = [];
  for (let v = 0; v < count; v++) {
    const data = Int16Array.from({ length: 12 * 12 * 12 }, (_, i) => ((i * (v + 3) * 53) % 900) - 400);
    const path = join(dir, `volume_${v}.nii.gz`);
    await saveImage(new Image({ data, shape: [12, 12, 12], affine }), path);
    entries.push({ image: path });
  }
  return entries;
}

const sums = (volumes: PretrainVolumes): number[] =>
  Array.from({ length: volumes.count }, (_, i) => volumes.use(i, (v) => T.tidy(() => v.sum().item())));

test('volumes beyond the in-memory bound are read from the cache folder when used, with the same values and no tensor left behind', async () => {
  const entries = await writeVolumes(5);
  const all = await preparePretrainVolumes(entries, recipe);
  assert.equal(all.residentCount, 5);
  const cacheDir = join(dir, 'cache');
  const bounded = await preparePretrainVolumes(entries, recipe, { cacheDir, inMemory: 2 });
  assert.equal(bounded.count, 5);
  assert.equal(bounded.residentCount, 2);
  assert.equal(readdirSync(cacheDir).length, 5);
  const live = T.liveTensors();
  assert.deepEqual(sums(bounded), sums(all));
  assert.equal(T.liveTensors(), live, 'a volume read from its cache file is released after use');
  all.dispose();
  bounded.dispose();
});

test('more volumes than the in-memory bound without a cache folder, and a damaged cache file, are refused naming what is wrong', async () => {
  const entries = await writeVolumes(3);
  await assert.rejects(preparePretrainVolumes(entries, recipe, { inMemory: 2 }), /3 volumes with 2 in memory: the others need a cache folder/);
  const cacheDir = join(dir, 'damaged');
  (await preparePretrainVolumes(entries, recipe, { cacheDir, inMemory: 1 })).dispose();
  // A held volume's file is verified when it is read at the start, the others' when a step uses them.
  for (const name of readdirSync(cacheDir)) {
    const file = join(cacheDir, name);
    const intact = readFileSync(file);
    truncateSync(file, 40);
    await assert.rejects(
      async () => {
        const volumes = await preparePretrainVolumes(entries, recipe, { cacheDir, inMemory: 1 });
        try {
          sums(volumes);
        } finally {
          volumes.dispose();
        }
      },
      (error: Error) => error.message.includes(file) && /delete it to preprocess the volume again/.test(error.message),
    );
    writeFileSync(file, intact);
  }
});

test('a PretrainVolumes used after dispose() says so', () => {
  const volumes = new PretrainVolumes([{ source: 'random', volume: T.rand([1, 4, 4, 4]) }]);
  volumes.dispose();
  assert.throws(() => volumes.use(0, (v) => v.sum().item()), /used after dispose/);
});
