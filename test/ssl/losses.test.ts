import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import * as T from '../../src/engine/index.js';
import { blockMeanBaseline, distillationLosses, mipLoss, updateCenters, visibleMeanBaseline } from '../../src/ssl/losses.js';
import { teacherTempCls, teacherTempPatch } from '../../src/ssl/schedules.js';
import { FIXTURE, requirePath } from '../helpers/env.js';

let io: Map<string, T.Tensor> | undefined;
const get = (k: string) => {
  io ??= T.loadSafetensors(join(FIXTURE, 'io.safetensors')).tensors;
  const t = io.get(k);
  assert.ok(t, `fixture lacks ${k}`);
  return t;
};
const relClose = (actual: number, expected: number, tol: number, what: string) =>
  assert.ok(Math.abs(actual - expected) <= tol * Math.abs(expected), `${what}: ${actual} vs ${expected}`);

test('MIP loss equals the reference on its own outputs (1e-5 relative)', (t) => {
  if (!requirePath(t, FIXTURE)) return;
  const value = mipLoss(get('views'), get('reconstruction'), get('patch_mask'), 2).item();
  relClose(value, get('loss_mip').item(), 1e-5, 'loss_mip');
});

for (const epoch of [0, 45]) {
  test(`MPD, ITD and centres equal the reference at epoch ${epoch} (1e-5 relative)`, (t) => {
    if (!requirePath(t, FIXTURE)) return;
    const temps = { warmup: 0.04, final: 0.07, warmupEpochs: 30 };
    const centerCls = T.zeros([1, 1, 512]);
    const centerPatch = T.zeros([1, 1, 512]);
    const { mpd, itd } = distillationLosses({
      studentCls: get('student_cls'),
      studentPatch: get('student_patch'),
      teacherCls: get('teacher_cls'),
      teacherPatch: get('teacher_patch'),
      tokenMask: get('token_mask'),
      centerCls,
      centerPatch,
      teacherTempCls: teacherTempCls(epoch, temps),
      teacherTempPatch: teacherTempPatch(epoch, { ...temps, startEpoch: 30 }),
      studentTemp: 0.1,
      views: 2,
    });
    relClose(mpd.item() * 0.1, get(`loss_mpd_epoch${epoch}`).item(), 1e-5, 'loss_mpd');
    relClose(itd.item() * 0.1, get(`loss_itd_epoch${epoch}`).item(), 1e-5, 'loss_itd');
    updateCenters(centerCls, centerPatch, get('teacher_cls'), get('teacher_patch'), 0.9);
    assert.ok(centerCls.sub(get(`center_after_epoch${epoch}`)).abs().max().item() < 1e-7);
    assert.ok(centerPatch.sub(get(`center2_after_epoch${epoch}`)).abs().max().item() < 1e-7);
  });
}

test('MIP ignores unmasked voxels and MPD ignores unmasked tokens', () => {
  const x = T.rand([1, 1, 4, 4, 4]);
  const m = T.tensor([[[[1, 0], [0, 0]], [[0, 0], [0, 0]]]]);
  const rec = x.clone();
  // Change only unmasked voxels: the loss stays zero.
  const changed = rec.add(T.onesLike(rec).mul(m.repeatInterleave(2, 1).repeatInterleave(2, 2).repeatInterleave(2, 3).unsqueeze(1).eq(0)));
  assert.equal(mipLoss(x, changed, m, 2).item(), 0);
  assert.ok(mipLoss(x, x.add(1), m, 2).item() > 0.99);
});

test('MIP baselines: the visible-voxel mean and the hidden-block-mean oracle, by hand', () => {
  T.tidy(() => {
    // One 32³ view: left half 0, right half 1; the right half's 16³ blocks are masked (patch 2 → 16³ patch grid).
    const input = T.cat([T.zeros([1, 1, 16, 32, 32]), T.ones([1, 1, 16, 32, 32])], 2);
    const patchMask = T.cat([T.zeros([1, 8, 16, 16], { dtype: 'int64' }), T.ones([1, 8, 16, 16], { dtype: 'int64' })], 1);
    // Visible voxels are all 0, so predicting 0 misses every masked voxel by 1.
    assert.ok(Math.abs(visibleMeanBaseline(input, patchMask, 2).item() - 1) < 1e-4);
    // Each masked block is uniform: its own mean is exact.
    assert.ok(blockMeanBaseline(input, patchMask, 2, 16).item() < 1e-6);
  });
});
