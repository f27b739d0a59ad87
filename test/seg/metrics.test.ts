import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as T from '../../src/engine/index.js';
import {
  assd,
  caseMetrics,
  dice,
  hausdorff95,
  nanmean,
  percentile,
  squaredDistanceTransform,
  type Spacing3,
} from '../../src/seg/metrics/index.js';
import { checkNoLeaks } from '../helpers/leak_check.js';
import { requirePython, runPythonJson } from '../helpers/env.js';

const scoped = checkNoLeaks();

type Shape = [number, number, number];
type Box = { lo: Shape; hi: Shape; label?: number };

/** A uint8 [X, Y, Z] label map holding boxes (lo inclusive, hi exclusive). */
function boxes(shape: Shape, ...items: Box[]): T.Tensor {
  const [, ny, nz] = shape;
  const data = new Uint8Array(shape[0] * ny * nz);
  for (const { lo, hi, label = 1 } of items) {
    for (let x = lo[0]; x < hi[0]; x++) {
      for (let y = lo[1]; y < hi[1]; y++) for (let z = lo[2]; z < hi[2]; z++) data[(x * ny + y) * nz + z] = label;
    }
  }
  return T.tensor(data, { shape, dtype: 'uint8' });
}

const close = (actual: number, expected: number, tol: number, what: string) =>
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: ${actual} vs ${expected}`);

const ANISOTROPIC: Spacing3 = [1, 1, 2.5];

test('identical masks: Dice 1, HD95 and ASSD 0', scoped(() => {
  const a = boxes([8, 8, 8], { lo: [2, 1, 3], hi: [6, 7, 5] });
  assert.deepEqual(dice(a, a), [1]);
  assert.deepEqual(hausdorff95(a, a, ANISOTROPIC), [0]);
  assert.deepEqual(assd(a, a, ANISOTROPIC), [0]);
}));

test('two single voxels: every distance is the voxel offset in mm', scoped(() => {
  const p = boxes([6, 6, 6], { lo: [1, 1, 1], hi: [2, 2, 2] });
  const r = boxes([6, 6, 6], { lo: [2, 3, 2], hi: [3, 4, 3] });
  const expected = Math.sqrt(1 * 1 + 2 * 2 + 2.5 * 2.5);
  assert.deepEqual(dice(p, r), [0]);
  close(hausdorff95(p, r, ANISOTROPIC)[0], expected, 1e-12, 'hd95');
  close(assd(p, r, ANISOTROPIC)[0], expected, 1e-12, 'assd');
}));

test('3³ cubes one voxel apart along z (2.5 mm): hand-computed HD95 and ASSD', scoped(() => {
  // Each cube has 26 surface voxels. Of the prediction's, the 9 of its z = 2
  // face lie one slice (2.5 mm) from the reference's z = 3 face; the centre of
  // its z = 4 face is the reference's interior centre, 1 mm (one x or y step)
  // from the reference surface; the other 16 lie on the reference surface.
  // The reference's distances mirror these.
  const p = boxes([7, 7, 8], { lo: [2, 2, 2], hi: [5, 5, 5] });
  const r = boxes([7, 7, 8], { lo: [2, 2, 3], hi: [5, 5, 6] });
  const m = caseMetrics(p, r, ANISOTROPIC);
  assert.equal(m.length, 1);
  assert.equal(m[0].classId, 1);
  assert.equal(m[0].predVoxels, 27);
  assert.equal(m[0].refVoxels, 27);
  close(m[0].dice, (2 * 18) / 54, 1e-12, 'dice');
  // sorted: 16 × 0, 1 × 1, 9 × 2.5; numpy's 95th percentile sits at index 23.75 → 2.5
  close(m[0].hd95, 2.5, 1e-12, 'hd95');
  close(m[0].assd, (2 * (9 * 2.5 + 1)) / 52, 1e-12, 'assd');
}));

test('slabs two slices apart: distances 2.5 and 5 mm, HD95 5, ASSD 3.75', scoped(() => {
  // Slabs two voxels thick covering the whole x–y extent: every voxel is on
  // the surface (the volume's border counts as background, as in scipy).
  const p = boxes([4, 4, 8], { lo: [0, 0, 2], hi: [4, 4, 4] });
  const r = boxes([4, 4, 8], { lo: [0, 0, 4], hi: [4, 4, 6] });
  close(hausdorff95(p, r, ANISOTROPIC)[0], 5, 1e-12, 'hd95');
  close(assd(p, r, ANISOTROPIC)[0], 3.75, 1e-12, 'assd');
}));

test('empty classes: both empty → NaN everywhere; one empty → Dice 0, distances NaN (or MONAI\'s Infinity)', scoped(() => {
  const shape: Shape = [6, 6, 6];
  const p = boxes(shape, { lo: [1, 1, 1], hi: [3, 3, 3], label: 1 }, { lo: [4, 4, 4], hi: [5, 5, 5], label: 3 });
  const r = boxes(shape, { lo: [1, 1, 1], hi: [3, 3, 2], label: 1 }, { lo: [3, 3, 3], hi: [5, 5, 5], label: 2 });
  // class 2: only in the reference; class 3: only in the prediction; class 4: in neither
  const m = caseMetrics(p, r, ANISOTROPIC, [1, 2, 3, 4]);
  assert.deepEqual(m.map((c) => c.dice), [(2 * 4) / 12, 0, 0, NaN]);
  assert.deepEqual(m.map((c) => [c.predVoxels, c.refVoxels]), [[8, 4], [0, 8], [1, 0], [0, 0]]);
  assert.deepEqual(m.slice(1).map((c) => [c.hd95, c.assd]), [[NaN, NaN], [NaN, NaN], [NaN, NaN]]);
  assert.deepEqual(hausdorff95(p, r, ANISOTROPIC, [2, 3, 4], { whenOneEmpty: Infinity }), [Infinity, Infinity, NaN]);
  assert.deepEqual(assd(p, r, ANISOTROPIC, [2, 3, 4], { whenOneEmpty: Infinity }), [Infinity, Infinity, NaN]);
  assert.deepEqual(dice(p, r, [2, 3, 4], { ignoreEmptyReference: true }), [0, NaN, NaN]);
  assert.equal(nanmean(m.map((c) => c.dice)), ((2 * 4) / 12 + 0 + 0) / 3);
}));

test('default class ids are 1 … the largest label; [1, X, Y, Z] and integer dtypes are accepted', scoped(() => {
  const p = boxes([5, 5, 5], { lo: [0, 0, 0], hi: [2, 2, 2], label: 2 });
  const r = boxes([5, 5, 5], { lo: [0, 0, 0], hi: [2, 2, 2], label: 1 });
  assert.deepEqual(dice(p.unsqueeze(0), r.to('int64').unsqueeze(0)), [0, 0]);
  assert.deepEqual(dice(p, r.to('int32'), [0]), [1]);
  assert.throws(() => dice(p.float(), r), /integer label map/);
  assert.throws(() => dice(p, r.slice(0, 0, 4)), /differ in shape/);
  assert.throws(() => hausdorff95(p, r, [1, 0, 1]), /spacing/);
}));

test('nanmean ignores NaN and is NaN when nothing is left', () => {
  assert.equal(nanmean([1, NaN, 2]), 1.5);
  assert.ok(Number.isNaN(nanmean([NaN, NaN])));
  assert.ok(Number.isNaN(nanmean([])));
});

test('a grid without features is +Infinity everywhere', () => {
  const d = squaredDistanceTransform(new Uint8Array(24), [2, 3, 4], [1, 2, 3]);
  assert.ok(d.every((v) => v === Infinity));
});

/** mulberry32: a small seeded generator for reproducible random masks. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface RandomCase {
  shape: Shape;
  spacing: Spacing3;
  pred: number[];
  ref: number[];
  classes: number[];
}

/** Label maps of random ellipsoids plus scattered voxels; classes 1–3, class 3 sometimes in one map only. */
function randomCase(seed: number): RandomCase {
  const rnd = random(seed);
  const shape: Shape = [6 + Math.floor(rnd() * 10), 6 + Math.floor(rnd() * 10), 4 + Math.floor(rnd() * 8)];
  const spacing: Spacing3 = [0.5 + rnd() * 2, 0.5 + rnd() * 2, 1 + rnd() * 4];
  const [nx, ny, nz] = shape;
  const map = (withClass3: boolean) => {
    const labels = new Array<number>(nx * ny * nz).fill(0);
    for (const label of withClass3 ? [1, 2, 3] : [1, 2]) {
      const c = shape.map((n) => rnd() * n);
      const radius = shape.map((n) => 1 + rnd() * n * 0.4);
      for (let x = 0; x < nx; x++) {
        for (let y = 0; y < ny; y++) {
          for (let z = 0; z < nz; z++) {
            const r2 = ((x - c[0]) / radius[0]) ** 2 + ((y - c[1]) / radius[1]) ** 2 + ((z - c[2]) / radius[2]) ** 2;
            if (r2 <= 1 || rnd() < 0.02) labels[(x * ny + y) * nz + z] = label;
          }
        }
      }
    }
    return labels;
  };
  return { shape, spacing, pred: map(rnd() < 0.8), ref: map(rnd() < 0.8), classes: [1, 2, 3, 4] };
}

const SCIPY_METRICS = `
import json, sys
import numpy as np
from scipy.ndimage import binary_erosion, distance_transform_edt

def surface_distance(seg_pred, seg_gt, spacing):
    # MONAI's get_surface_distance (euclidean)
    if not np.any(seg_gt):
        dis = np.inf * np.ones(seg_gt.shape)
    else:
        if not np.any(seg_pred):
            dis = np.inf * np.ones(seg_gt.shape)
            return np.asarray(dis[seg_gt])
        dis = distance_transform_edt(~seg_gt, sampling=spacing)
    return np.asarray(dis[seg_pred])

def directed_hd95(a, b, spacing):
    d = surface_distance(a, b, spacing)
    return np.nan if d.shape == (0,) else np.percentile(d, 95)

out = []
data = json.load(sys.stdin)
for case in data['cases']:
    shape, spacing = case['shape'], case['spacing']
    pred = np.array(case['pred']).reshape(shape)
    ref = np.array(case['ref']).reshape(shape)
    rows = []
    for c in case['classes']:
        p, r = pred == c, ref == c
        tp, fp, fn = int((p & r).sum()), int((p & ~r).sum()), int((~p & r).sum())
        dice = np.nan if tp + fp + fn == 0 else 2 * tp / (2 * tp + fp + fn)
        ep, er = p & ~binary_erosion(p), r & ~binary_erosion(r)
        hd95 = max(directed_hd95(ep, er, spacing), directed_hd95(er, ep, spacing))
        pooled = np.concatenate([surface_distance(ep, er, spacing), surface_distance(er, ep, spacing)])
        assd = np.nan if pooled.shape == (0,) else pooled.mean()
        rows.append([float(dice), float(hd95), float(assd), int(p.sum()), int(r.sum())])
    out.append(rows)
edts = []
for e in data['edts']:
    features = np.array(e['features'], dtype=bool).reshape(e['shape'])
    edts.append((distance_transform_edt(~features, sampling=e['spacing']) ** 2).ravel().tolist())
pct = [[float(np.percentile(np.array(v), q)) for q in (0, 12.5, 50, 95, 100)] for v in data['percentiles']]
print(json.dumps({'metrics': out, 'edts': edts, 'percentiles': pct}))
`;

test('metrics, distance transform and percentile agree with scipy/numpy (MONAI formulas) on random masks (1e-4)', (t) => {
  if (!requirePython(t, ['numpy', 'scipy'])) return;
  const cases = Array.from({ length: 12 }, (_, i) => randomCase(1000 + i));
  const edts = [0, 1, 2].map((i) => {
    const rnd = random(77 + i);
    const shape: Shape = [3 + Math.floor(rnd() * 9), 3 + Math.floor(rnd() * 9), 1 + Math.floor(rnd() * 9)];
    const features = Array.from({ length: shape[0] * shape[1] * shape[2] }, () => (rnd() < 0.03 ? 1 : 0));
    features[Math.floor(rnd() * features.length)] = 1;
    return { shape, spacing: [0.7 + rnd(), 1.3 * rnd() + 0.2, 2 + rnd() * 3] as Spacing3, features };
  });
  const percentiles = [[3], [1, 2], [5, 1, 4, 4, 2, 9, 0.5], Array.from({ length: 41 }, (_, i) => Math.sin(i) * 10)];
  const reference = runPythonJson<{ metrics: number[][][]; edts: number[][]; percentiles: number[][] }>(SCIPY_METRICS, {
    cases,
    edts,
    percentiles,
  });
  let compared = 0;
  let nonFinite = 0;
  let worst = 0;
  const check = (actual: number, expected: number, what: string) => {
    if (!Number.isFinite(expected)) {
      nonFinite++;
      return assert.equal(actual, expected, what);
    }
    close(actual, expected, 1e-4, what);
    worst = Math.max(worst, Math.abs(actual - expected));
    compared++;
  };
  T.tidy(() => {
    cases.forEach((c, i) => {
      const pred = T.tensor(Uint8Array.from(c.pred), { shape: c.shape, dtype: 'uint8' });
      const ref = T.tensor(Int32Array.from(c.ref), { shape: c.shape });
      const ours = caseMetrics(pred, ref, c.spacing, c.classes);
      // MONAI's ASSD is +Infinity where one mask is empty; its HD95 there is NaN, our default.
      const assdAsMonai = assd(pred, ref, c.spacing, c.classes, { whenOneEmpty: Infinity });
      ours.forEach((m, k) => {
        const [d, hd, sd, np, nr] = reference.metrics[i][k];
        const what = `case ${i} class ${m.classId}`;
        check(m.dice, d, `${what} dice`);
        check(m.hd95, hd, `${what} hd95`);
        check(assdAsMonai[k], sd, `${what} assd`);
        if (Number.isFinite(sd)) assert.equal(m.assd, assdAsMonai[k]);
        assert.deepEqual([m.predVoxels, m.refVoxels], [np, nr], `${what} voxel counts`);
      });
    });
  });
  edts.forEach((e, i) => {
    const ours = squaredDistanceTransform(Uint8Array.from(e.features), e.shape, e.spacing);
    ours.forEach((v, j) => check(v, reference.edts[i][j], `edt ${i} voxel ${j}`));
  });
  percentiles.forEach((values, i) => {
    [0, 12.5, 50, 95, 100].forEach((q, j) =>
      check(percentile(Float64Array.from(values), q), reference.percentiles[i][j], `percentile ${q} of set ${i}`),
    );
  });
  t.diagnostic(`${compared} finite values compared (worst |difference| ${worst.toExponential(2)}), ${nonFinite} NaN/Infinity`);
});
