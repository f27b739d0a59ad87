import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import * as T from '../../src/engine/index.js';
import { SeededRandom, loadImage, readNifti, saveImage } from '../../src/data/index.js';
import {
  balancedCropBoxes,
  blockMask,
  cropBox,
  foregroundBox,
  imageToTensor,
  labelToSourceGrid,
  padToAtLeast,
  randomFlip,
  resampleToSpacing,
  spacingDHW,
} from '../../src/data/transforms/index.js';
import { chaosCaseIds, sharedData, sharedDataMissing } from './helpers/shared-data.js';
import { makeTempDir } from './helpers/temp-dir.js';

function dice(a: T.Tensor, b: T.Tensor, cls: number): number {
  return T.tidy(() => {
    const x = a.eq(cls);
    const y = b.eq(cls);
    const inter = x.logicalAnd(y).sum().item();
    return (2 * inter) / (x.sum().item() + y.sum().item());
  });
}

test('CHAOS labels: resample to 1.5×1.5×2 mm and back keeps Dice ≥ 0.98 for every organ', { skip: sharedDataMissing }, async () => {
  for (const id of chaosCaseIds) {
    const label = await loadImage(sharedData('chaos-mr-t2', `label_${id}.nii.gz`));
    T.tidy(() => {
      const source = imageToTensor(label);
      const [si, sj, sk] = label.spacing;
      const resampled = resampleToSpacing(source, spacingDHW(label), [2, 1.5, 1.5], 'nearest');
      assert.deepEqual(resampled.shape.slice(1), [Math.round((label.shape[0] * sk) / 2), Math.round((label.shape[1] * sj) / 1.5), Math.round((label.shape[2] * si) / 1.5)]);
      const back = imageToTensor(labelToSourceGrid(resampled, label));
      for (const organ of [1, 2, 3, 4]) {
        const d = dice(source, back, organ);
        assert.ok(d >= 0.98, `case ${id} organ ${organ}: Dice ${d.toFixed(4)}`);
      }
    });
  }
});

test('a prediction mapped back is written with the source header and affine', { skip: sharedDataMissing }, async () => {
  const image = await loadImage(sharedData('chaos-mr-t2', 'image_5.nii.gz'));
  const pred = T.tidy(() => resampleToSpacing(imageToTensor(image).gt(300).to('uint8'), spacingDHW(image), [2, 1.5, 1.5], 'nearest'));
  const out = labelToSourceGrid(pred, image);
  const path = join(makeTempDir('smit-pred-'), 'pred.nii.gz');
  await saveImage(out, path);
  const read = await readNifti(path);
  assert.deepEqual([...read.shape], [...image.shape]);
  assert.deepEqual([...read.affine], [...image.affine]);
  assert.equal(read.voxelType, 'uint8');
});

test('block masks: ⌈0.7·n⌉ of 16³ blocks, token and patch levels agree, seeded', () => {
  const a = blockMask([96, 96, 96], { block: 16, ratio: 0.7, patch: 2 }, new SeededRandom(4));
  const b = blockMask([96, 96, 96], { block: 16, ratio: 0.7, patch: 2 }, new SeededRandom(4));
  assert.deepEqual(a.tokenMask.shape, [6, 6, 6]);
  assert.deepEqual(a.patchMask.shape, [48, 48, 48]);
  assert.equal(a.tokenMask.sum().item(), Math.ceil(0.7 * 216));
  assert.equal(a.patchMask.sum().item(), Math.ceil(0.7 * 216) * 512);
  assert.deepEqual(a.tokenMask.toArray(), b.tokenMask.toArray());
  assert.equal(a.patchMask.select(0, 8).select(0, 17).select(0, 40).item(), a.tokenMask.select(0, 1).select(0, 2).select(0, 5).item());
  const c = blockMask([96, 96, 32], { block: 16, ratio: 0.7, patch: 2 }, new SeededRandom(5));
  assert.deepEqual(c.tokenMask.shape, [6, 6, 2]);
  assert.throws(() => blockMask([96, 96, 40], { block: 16, ratio: 0.7, patch: 2 }, new SeededRandom(1)), /not a multiple/);
});

test('foreground crop, pad and balanced crops land where they should', () => {
  const label = T.zeros([1, 20, 20, 20], { dtype: 'uint8' });
  label.narrow(1, 5, 3).narrow(2, 6, 2).narrow(3, 10, 4).fill_(1);
  const box = foregroundBox(label, (v) => v.gt(0));
  assert.deepEqual(box, { start: [5, 6, 10], end: [8, 8, 14] });
  assert.deepEqual(cropBox(label, box).shape, [1, 3, 2, 4]);
  assert.deepEqual(padToAtLeast(cropBox(label, box), [8, 8, 8]).shape, [1, 8, 8, 8]);
  const boxes = balancedCropBoxes(label, [6, 6, 6], { samples: 40, pos: 1, neg: 0 }, new SeededRandom(2));
  for (const b of boxes) {
    assert.ok(cropBox(label, b).sum().item() > 0, 'a positive crop holds foreground');
    assert.deepEqual(b.end.map((e, i) => e - b.start[i]), [6, 6, 6]);
  }
});

test('flips move image and label together', () => {
  const image = T.arange(0, 8, 1, { dtype: 'float32' }).reshape([1, 2, 2, 2]);
  const pair = randomFlip({ image, label: image.to('int64') }, 1, new SeededRandom(0));
  assert.deepEqual(pair.image.toArray(), image.flip([1, 2, 3]).toArray());
  assert.deepEqual(pair.label.toArray(), pair.image.to('int64').toArray());
});
