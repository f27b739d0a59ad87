import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadCase } from '../../src/data/datasets/dataset_cases.js';
import type { VoxelArray } from '../../src/data/voxel_array.js';
import { CHAOS_CASE_IDS, lastJsonLine, requirePath, requirePython, runPythonAsync, sharedData } from '../helpers/env.js';
import { voxelRange } from './helpers/voxel_range.js';

function countLabels(data: VoxelArray, classes: number): number[] {
  const counts = new Array<number>(classes).fill(0);
  for (const v of data) counts[v]++;
  return counts;
}

test('CHAOS MRI: every labelled pair loads on one grid with organ voxel counts equal to nibabel\'s', async (t) => {
  if (!requirePath(t, sharedData('chaos-mr-t2')) || !requirePython(t, ['nibabel', 'numpy'])) return;
  const chaos = (kind: string, id: number) => sharedData('chaos-mr-t2', `${kind}_${id}.nii.gz`);
  // Counted independently by nibabel, in parallel with the loading below.
  const nibabelCounts = runPythonAsync(
    `
import json, sys, numpy as np, nibabel as nib
print(json.dumps({p: np.bincount(np.asarray(nib.load(p).dataobj).astype(np.int64).ravel(), minlength=5).tolist() for p in sys.argv[1:]}))
`,
    { args: CHAOS_CASE_IDS.map((id) => chaos('label', id)) },
  );
  const counts = new Map<number, number[]>();
  for (const id of CHAOS_CASE_IDS) {
    const { image, label } = await loadCase({ image: chaos('image', id), label: chaos('label', id) }, { classIds: [0, 1, 2, 3, 4] });
    assert.ok(label);
    assert.equal(image.shape[1], 256);
    assert.equal(image.shape[2], 256);
    assert.ok(image.shape[0] >= 31 && image.shape[0] <= 46, `case ${id} has ${image.shape[0]} slices`);
    image.spacing.forEach((s, axis) => assert.ok(Math.abs(s - [1.25, 1.25, 7.7][axis]) < 1e-3, `case ${id} spacing ${image.spacing}`));
    const [min, max] = voxelRange(image.data);
    assert.ok(min >= 0 && max > 500 && max < 2000, `case ${id} intensities ${min}..${max}`);
    const organCounts = countLabels(label.data, 5);
    assert.ok(organCounts.slice(1).every((n) => n > 1000), `case ${id} organ counts ${organCounts}`);
    counts.set(id, organCounts);
  }
  const expected = lastJsonLine<Record<string, number[]>>(await nibabelCounts);
  for (const id of CHAOS_CASE_IDS) assert.deepEqual(counts.get(id), expected[chaos('label', id)], `case ${id}`);
});
