import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { axisCodes, reorient, reorientLike, toCanonical } from '../../src/data/geometry/orientation.js';
import { Image } from '../../src/data/image.js';
import * as T from '../../src/engine/index.js';
import { canonicalTensor, imageToTensor } from '../../src/data/transforms/volume_tensor.js';
import { loadImage, saveImage } from '../../src/data/io/load_image.js';
import type { VoxelArray } from '../../src/data/voxel_array.js';
import { SHARED_DATA, lastJsonLine, requirePath, requirePython, runPythonAsync, sharedData } from '../helpers/env.js';
import { makeTempDir } from '../helpers/temp_dir.js';

const dir = makeTempDir();

/** Σ value × weight(flat C-order index): equal sums mean the same voxels in the same places. */
function positionHash(data: VoxelArray): number {
  let sum = 0;
  for (let i = 0; i < data.length; i++) sum += data[i] * ((i % 9973) + 1);
  return sum;
}

const NIBABEL_CANONICAL = `
import json, sys, numpy as np, nibabel as nib
res = []
for p in sys.argv[1:]:
    img = nib.load(p)
    can = nib.as_closest_canonical(img)
    data = np.asarray(can.dataobj).astype(np.float64).transpose(2, 1, 0).ravel()
    w = (np.arange(data.size) % 9973) + 1
    res.append(dict(codes=''.join(nib.aff2axcodes(img.affine)), affine=can.affine.tolist(), shape=list(can.shape), hash=float(np.dot(data, w))))
print(json.dumps(res))
`;

describe('reorientation agrees with nibabel as_closest_canonical', () => {
  test('real files (RAS, LAS, LPS) and an oblique, axis-permuted synthetic volume', async (t) => {
    if (!requirePath(t, SHARED_DATA) || !requirePython(t, ['nibabel', 'numpy'])) return;
    // Sagittal-like layout: i runs inferior, j anterior, k left, with a few degrees of obliquity.
    const permuted = new Image({
      data: Int16Array.from({ length: 7 * 6 * 5 }, (_, i) => (i * 31) % 1000),
      shape: [7, 6, 5],
      affine: Float64Array.of(0, 0.1, -2, 50, 0.05, 1.2, 0, -30, -1.5, 0, 0.08, 20, 0, 0, 0, 1),
    });
    const permutedPath = join(dir, 'permuted.nii');
    await saveImage(permuted, permutedPath, { version: 2 });
    const paths = [
      sharedData('totalseg-ct', 'ct_abdomen_pelvis_3mm.nii.gz'),
      sharedData('chaos-mr-t2', 'label_5.nii.gz'),
      sharedData('totalseg-ct', 'mr_upper_abdomen_3mm.nii.gz'),
      sharedData('totalseg-ct', 'dicom-upper-abdomen_seg.nii.gz'),
      permutedPath,
    ];
    const expected = lastJsonLine<{ codes: string; affine: number[][]; shape: number[]; hash: number }[]>(await runPythonAsync(NIBABEL_CANONICAL, { args: paths }));
    for (const [index, path] of paths.entries()) {
      const image = await loadImage(path);
      const reference = expected[index];
      assert.equal(axisCodes(image.affine), reference.codes, path);
      const canonical = toCanonical(image);
      assert.equal(axisCodes(canonical.affine), 'RAS', path);
      assert.deepEqual([...canonical.size], reference.shape, path);
      reference.affine.flat().forEach((v, i) => assert.ok(Math.abs(canonical.affine[i] - v) < 1e-6, `${path} affine[${i}]`));
      assert.equal(positionHash(canonical.data), reference.hash, path);

      const back = reorientLike(canonical, image);
      assert.deepEqual(back.data, image.data, `${path} back`);
      image.affine.forEach((v, i) => assert.ok(Math.abs(back.affine[i] - v) < 1e-9, `${path} back affine[${i}]`));
    }
  });
});

describe('reorient', () => {
  const image = new Image({
    data: Float32Array.from({ length: 24 }, (_, i) => i),
    shape: [2, 3, 4],
    affine: Float64Array.of(-2, 0, 0, 10, 0, 0, 3, -5, 0, -1, 0, 7, 0, 0, 0, 1),
  });

  test('axis codes follow the affine', () => {
    assert.equal(axisCodes(image.affine), 'LIA');
  });

  test('voxels keep their world positions', () => {
    for (const codes of ['RAS', 'LPS', 'SAR', 'IRP']) {
      const out = reorient(image, codes);
      assert.equal(axisCodes(out.affine), codes);
      const [nz, ny, nx] = out.shape;
      for (let k = 0; k < nz; k++) {
        for (let j = 0; j < ny; j++) {
          for (let i = 0; i < nx; i++) {
            const world = out.voxelToWorld(i, j, k);
            // Each voxel's value is its flat index in the source image.
            const value = out.data[out.offsetOf(i, j, k)];
            const [si, sj, sk] = [value % 4, Math.floor(value / 4) % 3, Math.floor(value / 12)];
            assert.deepEqual(image.voxelToWorld(si, sj, sk), world, `${codes} (${i}, ${j}, ${k})`);
          }
        }
      }
    }
  });

  test('reorienting to the current layout returns the image itself', () => {
    assert.equal(reorient(image, 'LIA'), image);
  });

  test('invalid codes are refused', () => {
    assert.throws(() => reorient(image, 'RAR'), /must name each of R\/L, A\/P, S\/I once/);
    assert.throws(() => reorient(image, 'XYZ'), /invalid axis code/);
  });
});

test('canonicalTensor equals imageToTensor(toCanonical(image)) for every permutation and flip of the axes, with the same grid', () => {
  const size = [4, 3, 5];
  const data = Int16Array.from({ length: 60 }, (_, i) => i * 7 - 200);
  const permutations = [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]];
  for (const permutation of permutations) {
    for (let signs = 0; signs < 8; signs++) {
      // Index axis c points along world axis permutation[c], backwards when bit c of `signs` is set.
      const rows = [0, 1, 2].map((r) => [0, 1, 2].map((c) => (permutation[c] === r ? ((signs >> c) & 1 ? -1.5 : 1.5) * (c + 1) : 0)).concat([r * 10 - 5]));
      const image = new Image({ data, shape: [size[2], size[1], size[0]], affine: [...rows, [0, 0, 0, 1]] });
      const canonical = toCanonical(image);
      T.tidy(() => {
        const { volume, grid, spacing } = canonicalTensor(image);
        const expected = imageToTensor(canonical);
        assert.deepEqual(volume.shape, expected.shape);
        assert.deepEqual(volume.toArray(), expected.toArray(), `axes ${permutation}, signs ${signs}`);
        assert.deepEqual([...grid.affine], [...canonical.affine]);
        assert.deepEqual(grid.shape, canonical.shape);
        assert.deepEqual(spacing, canonical.spacing);
      });
    }
  }
});
