// Sliding-window inference: window placement and weights as MONAI's, the
// blended output against a single forward and against the PyTorch twin
// (twin/sliding_window.py), padding, leaks and option errors.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import * as T from '../../src/engine/index.js';
import type { Ijk } from '../../src/data/index.js';
import type { Tensor } from '../../src/engine/index.js';
import {
  importanceMap,
  scanInterval,
  slidingWindowArgmax,
  slidingWindowInference,
  windowStarts,
  type BlendMode,
} from '../../src/seg/inferer/index.js';
import { checkNoLeaks } from '../helpers/leak_check.js';
import { PYTHON, REPO_ROOT, requirePython } from '../helpers/env.js';

const scoped = checkNoLeaks();

function convPredictor(weight: Tensor, bias: Tensor): (x: Tensor) => Tensor {
  return (x) => T.conv3d(x, weight, bias, { padding: 1 });
}

function maxDiff(a: Tensor, b: Tensor): number {
  return T.tidy(() => a.sub(b).abs().max().item());
}

describe('window placement and weights (MONAI)', () => {
  test('scan interval is floor(roi·(1−overlap)), at least 1, the roi where it spans the axis', () => {
    assert.deepEqual(scanInterval([37, 29, 16], [16, 16, 16], [0.5, 0.25, 0.5]), [8, 12, 16]);
    assert.deepEqual(scanInterval([10, 10, 10], [3, 3, 1], [0.9, 0.5, 0.5]), [1, 1, 1]);
  });

  test('starts step by the interval, the last pulled back to the border, none repeated', () => {
    const axis = (size: number, roi: number, interval: number) =>
      windowStarts([size, roi, roi], [roi, roi, roi], [interval, roi, roi]).map((s) => s[0]);
    assert.deepEqual(axis(37, 16, 8), [0, 8, 16, 21]);
    assert.deepEqual(axis(32, 16, 8), [0, 8, 16]);
    assert.deepEqual(axis(29, 16, 12), [0, 12, 13]);
    assert.deepEqual(axis(16, 16, 16), [0]);
    // X slowest, Z fastest.
    assert.deepEqual(windowStarts([20, 4, 6], [16, 4, 4], [4, 4, 2]), [
      [0, 0, 0], [0, 0, 2], [4, 0, 0], [4, 0, 2],
    ]);
  });

  test('gaussian importance map: separable, peak 1 at the centre, clamped to 1e-3', scoped(() => {
    const map = importanceMap([16, 16, 8], 'gaussian');
    assert.deepEqual(map.shape, [16, 16, 8]);
    assert.ok(Math.abs(map.max().item() - Math.exp(-0.25 / (2 * 2 * 2)) ** 2 * Math.exp(-0.25 / (2 * 1 * 1))) < 1e-6);
    assert.ok(Math.abs(map.min().item() - 1e-3) < 1e-9);
    assert.equal(importanceMap([4, 4, 4]).min().item(), 1);
  }));
});

describe('slidingWindowInference', () => {
  test('a window covering the image equals one forward of the padded image, cropped', scoped(() => {
    T.manualSeed(3);
    const weight = T.randn([3, 2, 3, 3, 3]);
    const bias = T.randn([3]);
    const predictor = convPredictor(weight, bias);
    const image = T.randn([2, 12, 10, 9]);
    for (const mode of ['constant', 'gaussian'] as BlendMode[]) {
      // Exactly covered, then padded by (0,0), (1,1), (1,2).
      const exact = slidingWindowInference(image, predictor, { roiSize: [12, 10, 9], blend: mode });
      assert.ok(maxDiff(exact, predictor(image.unsqueeze(0)).squeeze(0)) < 1e-6, mode);
      const padded = slidingWindowInference(image, predictor, { roiSize: [12, 12, 12], blend: mode });
      const expected = predictor(T.pad(image.unsqueeze(0), [1, 2, 1, 1, 0, 0]))
        .squeeze(0)
        .narrow(2, 1, 10)
        .narrow(3, 1, 9);
      assert.deepEqual(padded.shape, [3, 12, 10, 9]);
      assert.ok(maxDiff(padded, expected) < 1e-6, `${mode} padded`);
    }
    const batched = slidingWindowInference(image.unsqueeze(0), predictor, { roiSize: [12, 10, 9] });
    assert.deepEqual(batched.shape, [1, 3, 12, 10, 9]);
  }));

  test('an image smaller than the roi in one axis is padded; the output has its size', scoped(() => {
    T.manualSeed(4);
    const weight = T.randn([3, 1, 3, 3, 3]);
    const bias = T.randn([3]);
    const image = T.randn([1, 37, 10, 21]);
    const out = slidingWindowInference(image, convPredictor(weight, bias), { roiSize: [16, 16, 8], overlap: 0.25 });
    assert.deepEqual(out.shape, [3, 37, 10, 21]);
    assert.equal(out.dtype, 'float32');
    assert.equal(out.device, 'cpu');
  }));

  test('equals the PyTorch twin (MONAI algorithm) to 1e-5', { timeout: 120_000 }, (t) => {
    if (!requirePython(t, ['torch'])) return;
    const dir = mkdtempSync(join(tmpdir(), 'smit-sw-'));
    try {
      T.tidy(() => {
        T.manualSeed(11);
        const weight = T.randn([3, 1, 3, 3, 3]).mul(0.3);
        const bias = T.randn([3]);
        const predictor = convPredictor(weight, bias);
        const images: Record<string, Tensor> = { image: T.randn([1, 37, 29, 21]), narrow: T.randn([1, 37, 10, 21]) };
        const cases: { image: string; roi_size: Readonly<Ijk>; overlap: number; mode: BlendMode; sw_batch_size: number }[] = [];
        for (const overlap of [0.5, 0.25])
          for (const mode of ['constant', 'gaussian'] as BlendMode[])
            for (const sw of [1, 3]) cases.push({ image: 'image', roi_size: [16, 16, 8], overlap, mode, sw_batch_size: sw });
        cases.push({ image: 'narrow', roi_size: [16, 16, 8], overlap: 0.5, mode: 'gaussian', sw_batch_size: 2 });
        const input = join(dir, 'in.safetensors');
        const output = join(dir, 'out.safetensors');
        T.saveSafetensors(input, [['weight', weight], ['bias', bias], ...Object.entries(images)], { cases: JSON.stringify(cases) });
        execFileSync(PYTHON, [join(REPO_ROOT, 'twin', 'sliding_window.py'), input, output], { stdio: 'pipe' });
        const reference = T.loadSafetensors(output).tensors;
        cases.forEach((c, i) => {
          let calls = 0;
          const ours = slidingWindowInference(images[c.image], predictor, {
            roiSize: c.roi_size,
            overlap: c.overlap,
            blend: c.mode,
            swBatchSize: c.sw_batch_size,
            onProgress: () => calls++,
          });
          const expected = reference.get(`out${i}`)!.squeeze(0);
          assert.deepEqual(ours.shape, expected.shape, JSON.stringify(c));
          const diff = maxDiff(ours, expected);
          assert.ok(diff < 1e-5, `${JSON.stringify(c)}: max |diff| ${diff}`);
          assert.ok(calls > 0);
        });
        for (const r of reference.values()) r.dispose();
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('onProgress counts windows up to the total', scoped(() => {
    const image = T.zeros([1, 20, 8, 8]);
    const seen: [number, number][] = [];
    slidingWindowInference(image, (x) => x.mul(2), {
      roiSize: [8, 8, 8],
      overlap: 0.5,
      swBatchSize: 2,
      onProgress: (done, total) => seen.push([done, total]),
    });
    // X starts 0, 4, 8, 12: two calls of two windows.
    assert.deepEqual(seen, [[2, 4], [4, 4]]);
  }));

  test('returns only its result: no tensors leak', () => {
    const weight = T.randn([3, 1, 3, 3, 3]);
    const bias = T.randn([3]);
    const image = T.randn([1, 20, 17, 6]);
    const predictor = convPredictor(weight, bias);
    const options = { roiSize: [8, 8, 8] as Readonly<Ijk>, blend: 'gaussian' as const, swBatchSize: 3 };
    const before = T.liveTensors();
    const out = slidingWindowInference(image, predictor, options);
    assert.equal(T.liveTensors(), before + 1);
    out.dispose();
    const argmax = slidingWindowArgmax(image, predictor, { ...options, probabilities: true });
    assert.equal(T.liveTensors(), before + 2);
    T.dispose(argmax);
    const labelsOnly = slidingWindowArgmax(image, predictor, options);
    assert.equal(T.liveTensors(), before + 1);
    labelsOnly.labels.dispose();
    assert.throws(() => slidingWindowInference(image, () => T.zeros([1, 2, 3]), options));
    assert.equal(T.liveTensors(), before);
    T.dispose([weight, bias, image]);
  });

  test('bad options throw errors naming the option', scoped(() => {
    const image = T.zeros([1, 8, 8, 8]);
    const identity = (x: Tensor) => x;
    const roiSize: Readonly<Ijk> = [4, 4, 4];
    assert.throws(() => slidingWindowInference(image, identity, { roiSize, overlap: 1 }), /overlap/);
    assert.throws(() => slidingWindowInference(image, identity, { roiSize, overlap: -0.1 }), /overlap/);
    assert.throws(() => slidingWindowInference(image, identity, { roiSize, overlap: [0.5, 0.5, 1] }), /overlap/);
    assert.throws(() => slidingWindowInference(image, identity, { roiSize: [4, 0, 4] }), /roiSize/);
    assert.throws(() => slidingWindowInference(image, identity, { roiSize: [4, 4] as unknown as Readonly<Ijk> }), /roiSize/);
    assert.throws(() => slidingWindowInference(image, identity, { roiSize, swBatchSize: 0 }), /swBatchSize/);
    assert.throws(() => slidingWindowInference(image, identity, { roiSize, blend: 'linear' as BlendMode }), /blend/);
    assert.throws(() => slidingWindowInference(image, identity, { roiSize, sigmaScale: 0 }), /sigmaScale/);
    assert.throws(() => slidingWindowInference(image, (x) => x.narrow(2, 0, 2), { roiSize }), /predictor/);
    assert.throws(() => slidingWindowInference(image, (x) => x.sum(0, true), { roiSize, swBatchSize: 2 }), /predictor/);
    assert.throws(() => slidingWindowInference(T.zeros([8, 8, 8]), identity, { roiSize }), /image/);
  }));
});

describe('slidingWindowArgmax', () => {
  test('labels are the argmax of the blended logits; probabilities their softmax', scoped(() => {
    T.manualSeed(5);
    const weight = T.randn([4, 1, 3, 3, 3]);
    const bias = T.randn([4]);
    const predictor = convPredictor(weight, bias);
    const image = T.randn([1, 21, 12, 19]);
    const options = { roiSize: [8, 8, 8] as Readonly<Ijk>, overlap: 0.25, blend: 'gaussian' as const };
    const logits = slidingWindowInference(image, predictor, options);
    const { labels, probabilities } = slidingWindowArgmax(image, predictor, { ...options, probabilities: true });
    assert.equal(labels.dtype, 'uint8');
    assert.deepEqual(labels.shape, [21, 12, 19]);
    assert.deepEqual(labels.toArray(), logits.argmax(0).toArray());
    assert.ok(maxDiff(probabilities!, logits.softmax(0)) < 1e-6);
    assert.equal(slidingWindowArgmax(image, predictor, options).probabilities, undefined);
  }));
});
