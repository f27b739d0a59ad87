import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { kFoldSplits } from '../../src/data/datasets/k_fold.js';
import { readDecathlonList } from '../../src/data/datasets/decathlon_list.js';
import { listVolumeFolder } from '../../src/data/datasets/volume_folder.js';
import { Image } from '../../src/data/image.js';
import { saveImage } from '../../src/data/io/load_image.js';
import { writeSyntheticSeries } from './helpers/dicom_writer.js';
import { makeTempDir } from '../helpers/temp_dir.js';
import { CHAOS_CASE_IDS } from '../helpers/env.js';

const dir = makeTempDir();

describe('readDecathlonList', () => {
  const json = {
    name: 'Task03_Liver',
    labels: { '0': 'background', '1': 'liver', '2': 'cancer' },
    training: [{ image: './imagesTr/liver_0.nii.gz', label: './labelsTr/liver_0.nii.gz' }],
    validation: [{ image: 'imagesTr/liver_1.nii.gz', label: '/data/abs/liver_1_seg.nii.gz' }],
    test: ['./imagesTs/liver_5.nii.gz', { image: 'imagesTs/liver_6.nii.gz' }],
  };

  test('resolves paths against the JSON file folder, keeps absolute paths, reads labels', async () => {
    const jsonPath = join(dir, 'dataset.json');
    writeFileSync(jsonPath, JSON.stringify(json));
    const list = await readDecathlonList(jsonPath);
    assert.equal(list.name, 'Task03_Liver');
    assert.deepEqual([...(list.labels ?? [])], [[0, 'background'], [1, 'liver'], [2, 'cancer']]);
    assert.deepEqual(list.training, [{ image: join(dir, 'imagesTr/liver_0.nii.gz'), label: join(dir, 'labelsTr/liver_0.nii.gz') }]);
    assert.deepEqual(list.validation, [{ image: join(dir, 'imagesTr/liver_1.nii.gz'), label: '/data/abs/liver_1_seg.nii.gz' }]);
    assert.deepEqual(list.test, [{ image: join(dir, 'imagesTs/liver_5.nii.gz') }, { image: join(dir, 'imagesTs/liver_6.nii.gz') }]);
  });

  test('an explicit root; missing lists are empty', async () => {
    const jsonPath = join(dir, 'only-test.json');
    writeFileSync(jsonPath, JSON.stringify({ test: ['a.nii'] }));
    const list = await readDecathlonList(jsonPath, { root: '/elsewhere' });
    assert.deepEqual(list, { name: undefined, labels: undefined, training: [], validation: [], test: [{ image: '/elsewhere/a.nii' }] });
  });
});

describe('listVolumeFolder', () => {
  test('lists NIfTI files and DICOM sub-folders, in name order', async () => {
    const folder = join(dir, 'unlabelled');
    mkdirSync(join(folder, 'not-dicom'), { recursive: true });
    const image = new Image({ data: new Int16Array(8), shape: [2, 2, 2], affine: [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]] });
    await saveImage(image, join(folder, 'b.nii.gz'));
    await saveImage(image, join(folder, 'a.nii'));
    writeFileSync(join(folder, 'README.txt'), 'notes');
    writeFileSync(join(folder, 'not-dicom', 'x.txt'), 'x');
    writeSyntheticSeries(join(folder, 'c-series'), '1.2.3', 2);
    assert.deepEqual(await listVolumeFolder(folder), [
      { image: join(folder, 'a.nii') },
      { image: join(folder, 'b.nii.gz') },
      { image: join(folder, 'c-series') },
    ]);
  });
});

describe('kFoldSplits', () => {
  test('five folds of the 15 CHAOS cases partition them, deterministically by seed', () => {
    const folds = kFoldSplits(CHAOS_CASE_IDS, 5, 42);
    assert.equal(folds.length, 5);
    const validation = folds.flatMap((f) => f.validation);
    assert.deepEqual([...validation].sort((a, b) => a - b), [...CHAOS_CASE_IDS].sort((a, b) => a - b));
    for (const fold of folds) {
      assert.equal(fold.validation.length, 3);
      assert.deepEqual([...fold.training, ...fold.validation].sort((a, b) => a - b), [...CHAOS_CASE_IDS].sort((a, b) => a - b));
      // Input order is kept within a fold.
      assert.deepEqual(fold.training, CHAOS_CASE_IDS.filter((id) => fold.training.includes(id)));
    }
    assert.deepEqual(kFoldSplits(CHAOS_CASE_IDS, 5, 42), folds);
    assert.notDeepEqual(kFoldSplits(CHAOS_CASE_IDS, 5, 43), folds);
  });

  test('uneven sizes differ by at most one; bad k is refused', () => {
    const sizes = kFoldSplits([...Array(11).keys()], 3, 1).map((f) => f.validation.length);
    assert.deepEqual([...sizes].sort(), [3, 4, 4]);
    assert.throws(() => kFoldSplits([1, 2], 3, 0), /k must be an integer in 2\.\.2/);
  });
});
