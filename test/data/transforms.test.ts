import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import * as T from '../../src/engine/index.js';
import { Image, SeededRandom, identityAffine, loadImage, readNifti, saveImage } from '../../src/data/index.js';
import {
  balancedCropBoxes,
  classBalancedCropBoxes,
  cropBox,
  foregroundBox,
  imageToTensor,
  labelToSourceGrid,
  padToAtLeast,
  randomFlip,
  resampleToSpacing,
} from '../../src/data/transforms/index.js';
import { CHAOS_CASE_IDS, requirePath, sharedData } from '../helpers/env.js';
import { makeTempDir } from '../helpers/temp_dir.js';

function dice(a: T.Tensor, b: T.Tensor, cls: number): number {
  return T.tidy(() => {
    const x = a.eq(cls);
    const y = b.eq(cls);
    const inter = x.logicalAnd(y).sum().item();
    return (2 * inter) / (x.sum().item() + y.sum().item());
  });
}

test('CHAOS labels: resample to 1.5×1.5×2 mm and back keeps Dice ≥ 0.98 for every organ', async (t) => {
  if (!requirePath(t, sharedData('chaos-mr-t2'))) return;
  for (const id of CHAOS_CASE_IDS) {
    const label = await loadImage(sharedData('chaos-mr-t2', `label_${id}.nii.gz`));
    T.tidy(() => {
      const source = imageToTensor(label);
      const [nx, ny, nz] = label.size;
      const [si, sj, sk] = label.spacing;
      const resampled = resampleToSpacing(source, label.spacing, [1.5, 1.5, 2], 'nearest');
      assert.deepEqual(resampled.shape.slice(1), [Math.round((nx * si) / 1.5), Math.round((ny * sj) / 1.5), Math.round((nz * sk) / 2)]);
      const back = imageToTensor(labelToSourceGrid(resampled, label));
      for (const organ of [1, 2, 3, 4]) {
        const d = dice(source, back, organ);
        assert.ok(d >= 0.98, `case ${id} organ ${organ}: Dice ${d.toFixed(4)}`);
      }
    });
  }
});

test('a prediction mapped back is written with the source header and affine', async (t) => {
  if (!requirePath(t, sharedData('chaos-mr-t2'))) return;
  const image = await loadImage(sharedData('chaos-mr-t2', 'image_5.nii.gz'));
  const pred = T.tidy(() => resampleToSpacing(imageToTensor(image).gt(300).to('uint8'), image.spacing, [1.5, 1.5, 2], 'nearest'));
  const out = labelToSourceGrid(pred, image);
  const path = join(makeTempDir('smit-pred-'), 'pred.nii.gz');
  await saveImage(out, path);
  const read = await readNifti(path);
  assert.deepEqual([...read.shape], [...image.shape]);
  assert.deepEqual([...read.affine], [...image.affine]);
  assert.equal(read.voxelType, 'uint8');
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

test('class-balanced crops centre each class present equally often, however small', () => {
  T.tidy(() => {
    const label = T.zeros([1, 10, 10, 10], { dtype: 'uint8' });
    label.narrow(1, 0, 6).fill_(1); // 600 voxels of class 1
    label.narrow(1, 9, 1).narrow(2, 9, 1).narrow(3, 9, 1).fill_(3); // one voxel of class 3
    const flat = label.reshape([-1]).toArray();
    const counts = new Map<number, number>();
    for (const box of classBalancedCropBoxes(label, [1, 1, 1], { samples: 600 }, new SeededRandom(2))) {
      const [i, j, k] = box.start;
      const id = flat[(i * 10 + j) * 10 + k];
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    assert.deepEqual([...counts.keys()].sort(), [0, 1, 3]);
    for (const n of counts.values()) assert.ok(n > 150 && n < 250, `${n} of 600 (expected about 200)`);
  });
});

test('imageToTensor: [1, X, Y, Z] float32 with voxel (x, y, z) at [0, x, y, z], for every voxel type; resampling the strided result equals resampling a contiguous copy', () =>
  T.tidy(() => {
    const [nx, ny, nz] = [5, 4, 3];
    const values = Array.from({ length: nx * ny * nz }, (_, i) => (i * 37) % 101);
    for (const data of [Int16Array.from(values), Uint16Array.from(values), Float64Array.from(values), Uint8Array.from(values)]) {
      const volume = imageToTensor(new Image({ data, shape: [nz, ny, nx], affine: identityAffine() }));
      assert.equal(volume.dtype, 'float32');
      assert.deepEqual(volume.shape, [1, nx, ny, nz]);
      const read = volume.contiguous().toArray();
      for (const [x, y, z] of [[0, 0, 0], [4, 0, 0], [1, 3, 2], [4, 3, 2]]) {
        assert.equal(read[(x * ny + y) * nz + z], values[(z * ny + y) * nx + x], `voxel (${x}, ${y}, ${z})`);
      }
      const strided = resampleToSpacing(volume, [1, 1, 1], [0.7, 0.6, 0.4], 'trilinear');
      const contiguous = resampleToSpacing(volume.contiguous(), [1, 1, 1], [0.7, 0.6, 0.4], 'trilinear');
      assert.ok(strided.sub(contiguous).abs().max().item() < 1e-4);
    }
  }));
