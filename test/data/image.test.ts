import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DataError } from '../../src/data/data_error.js';
import { Image } from '../../src/data/image.js';

describe('Image', () => {
  // i → −x at 0.8 mm, j → +z at 2 mm, k → +y at 1.5 mm.
  const rows = [
    [-0.8, 0, 0, 12],
    [0, 0, 1.5, -7],
    [0, 2, 0, 30],
  ];
  const image = new Image({ data: Float32Array.from({ length: 24 }, (_, i) => i), shape: [2, 3, 4], affine: rows, source: 'case.nii.gz' });

  test('shape is [nz, ny, nx] with x fastest; size is (nx, ny, nz)', () => {
    assert.deepEqual(image.shape, [2, 3, 4]);
    assert.deepEqual(image.size, [4, 3, 2]);
    assert.equal(image.offsetOf(3, 2, 1), 23);
    assert.equal(image.data[image.offsetOf(1, 2, 0)], 9);
  });

  test('affine from rows; spacing, origin and direction follow its columns', () => {
    assert.deepEqual(Array.from(image.affine), [-0.8, 0, 0, 12, 0, 0, 1.5, -7, 0, 2, 0, 30, 0, 0, 0, 1]);
    assert.deepEqual(image.spacing, [0.8, 2, 1.5]);
    assert.deepEqual(image.origin, [12, -7, 30]);
    assert.deepEqual(Array.from(image.direction), [-1, 0, 0, 0, 0, 1, 0, 1, 0]);
    assert.deepEqual(image.voxelToWorld(1, 1, 1), [11.2, -5.5, 32]);
  });

  test('withData keeps grid, header and source', () => {
    const labels = image.withData(new Uint8Array(24));
    assert.equal(labels.voxelType, 'uint8');
    assert.equal(labels.affine, image.affine);
    assert.equal(labels.source, 'case.nii.gz');
  });

  test('data that does not fill the shape is refused, naming the source', () => {
    assert.throws(
      () => new Image({ data: new Float32Array(5), shape: [2, 3, 4], affine: rows, source: 'case.nii.gz' }),
      (error: unknown) => error instanceof DataError && /^case\.nii\.gz: data has 5 voxels but shape \[2, 3, 4\] needs 24$/.test(error.message),
    );
    assert.throws(() => new Image({ data: new Float32Array(0), shape: [0, 3, 4], affine: rows }), /invalid shape/);
  });
});
