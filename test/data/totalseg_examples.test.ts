import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import { axisCodes, reorientLike } from '../../src/data/geometry/orientation.js';
import { assertSameGrid } from '../../src/data/geometry/same_grid.js';
import { loadImage } from '../../src/data/io/load_image.js';
import { requirePath, sharedData } from '../helpers/env.js';
import { voxelRange } from './helpers/voxel_range.js';

const needsExamples = (t: TestContext) => requirePath(t, sharedData('totalseg-ct'));

describe('TotalSegmentator examples', () => {
  test('the CT loads in HU (int32, −1207..3382) at 3 mm with its segmentation on the same grid', async (t) => {
    if (!needsExamples(t)) return;
    const ct = await loadImage(sharedData('totalseg-ct', 'ct_abdomen_pelvis_3mm.nii.gz'));
    assert.equal(ct.voxelType, 'int32');
    assert.deepEqual(ct.size, [122, 101, 112]);
    assert.deepEqual(voxelRange(ct.data), [-1207, 3382]);
    ct.spacing.forEach((s) => assert.ok(Math.abs(s - 3) < 1e-4));
    assert.equal(axisCodes(ct.affine), 'RAS');
    const seg = await loadImage(sharedData('totalseg-ct', 'ct_abdomen_pelvis_3mm_seg.nii.gz'));
    assertSameGrid(ct, seg);
  });

  test('the MRI loads as int16 at 3 mm', async (t) => {
    if (!needsExamples(t)) return;
    const mr = await loadImage(sharedData('totalseg-ct', 'mr_upper_abdomen_3mm.nii.gz'));
    assert.equal(mr.voxelType, 'int16');
    assert.deepEqual(mr.size, [117, 91, 20]);
    mr.spacing.forEach((s) => assert.ok(Math.abs(s - 3) < 1e-3));
    assertSameGrid(mr, await loadImage(sharedData('totalseg-ct', 'mr_upper_abdomen_3mm_seg.nii.gz')));
  });

  test('the JPEG 2000 DICOM series lands on the grid of its segmentation, liver in HU 50..150', async (t) => {
    if (!needsExamples(t)) return;
    const series = await loadImage(sharedData('totalseg-ct', 'dicom-upper-abdomen'));
    const seg = await loadImage(sharedData('totalseg-ct', 'dicom-upper-abdomen_seg.nii.gz'));
    assert.equal(series.voxelType, 'int16');
    assert.deepEqual(series.size, [512, 512, 20]);
    // DICOM's natural layout (rows top to bottom) is LPS; the segmentation was stored LAS.
    assert.equal(axisCodes(series.affine), 'LPS');
    const onSegGrid = reorientLike(series, seg);
    assertSameGrid(seg, onSegGrid, 1e-3);
    let sum = 0;
    let count = 0;
    onSegGrid.data.forEach((hu, i) => {
      if (seg.data[i] === 5) {
        sum += hu;
        count++;
      }
    });
    assert.ok(count > 10000, `liver has ${count} voxels`);
    const mean = sum / count;
    assert.ok(mean > 50 && mean < 150, `liver mean ${mean} HU`);
    const [min, max] = voxelRange(series.data);
    assert.ok(min >= -1100 && max > 1000, `HU range ${min}..${max}`);
  });
});
