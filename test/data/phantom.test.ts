import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { loadCases } from '../../src/data/datasets/dataset_cases.js';
import { loadImage } from '../../src/data/io/load_image.js';
import { readDecathlonList } from '../../src/data/datasets/decathlon_list.js';
import { axisCodes } from '../../src/data/geometry/orientation.js';
import type { Image } from '../../src/data/image.js';
import { generateAbdominalPhantom } from '../../src/data/phantoms/abdominal_phantom.js';
import { phantomClasses, phantomClassNames } from '../../src/data/phantoms/phantom_classes.js';
import { writePhantomDataset } from '../../src/data/phantoms/phantom_dataset.js';
import { makeTempDir } from '../helpers/temp_dir.js';

const dir = makeTempDir();

function meanHuByClass(image: Image, label: Image): { mean: number[]; count: number[] } {
  const sum = new Array<number>(8).fill(0);
  const count = new Array<number>(8).fill(0);
  for (let i = 0; i < label.data.length; i++) {
    sum[label.data[i]] += image.data[i];
    count[label.data[i]]++;
  }
  return { mean: sum.map((s, c) => s / count[c]), count };
}

describe('abdominal phantom', () => {
  const native = generateAbdominalPhantom({ seed: 11, contrast: false });
  const enhanced = generateAbdominalPhantom({ seed: 12, contrast: true });

  test('default grid: 128×128×96, about 2.9 × 2.9 × 2.5 mm, RAS, int16 HU and uint8 labels', () => {
    assert.deepEqual(native.image.size, [128, 128, 96]);
    native.image.spacing.forEach((s, axis) => assert.ok(Math.abs(s - [2.89, 2.89, 2.5][axis]) < 0.01));
    assert.equal(axisCodes(native.image.affine), 'RAS');
    assert.equal(native.image.voxelType, 'int16');
    assert.equal(native.label.voxelType, 'uint8');
    assert.deepEqual(native.label.affine, native.image.affine);
  });

  test('deterministic per seed, different across seeds', () => {
    const again = generateAbdominalPhantom({ seed: 11, contrast: false });
    assert.deepEqual(again.image.data, native.image.data);
    assert.deepEqual(again.label.data, native.label.data);
    const other = generateAbdominalPhantom({ seed: 13, contrast: false });
    assert.notDeepEqual(other.label.data, native.label.data);
  });

  test('every class is present with a plausible size', () => {
    for (const phantom of [native, enhanced]) {
      const { count } = meanHuByClass(phantom.image, phantom.label);
      const voxelMl = phantom.image.spacing.reduce((a, b) => a * b) / 1000;
      const ml = count.map((n) => n * voxelMl);
      assert.ok(ml[phantomClasses.liver] > 600 && ml[phantomClasses.liver] < 3000, `liver ${ml[1]} ml`);
      for (const name of phantomClassNames.slice(2)) assert.ok(ml[phantomClasses[name]] > 20, `${name} ${ml[phantomClasses[name]]} ml`);
    }
  });

  test('mean HU per organ is plausible, native and contrast-enhanced', () => {
    const n = meanHuByClass(native.image, native.label).mean;
    const c = meanHuByClass(enhanced.image, enhanced.label).mean;
    const within = (value: number, low: number, high: number, what: string) => assert.ok(value >= low && value <= high, `${what}: ${value.toFixed(1)} HU`);
    within(n[phantomClasses.liver], 45, 75, 'native liver');
    within(n[phantomClasses.spleen], 35, 60, 'native spleen');
    within(n[phantomClasses.right_kidney], 20, 50, 'native right kidney');
    within(n[phantomClasses.left_kidney], 20, 50, 'native left kidney');
    within(n[phantomClasses.aorta], 15, 55, 'native aorta');
    within(n[phantomClasses.spine], 250, 800, 'native spine');
    within(n[phantomClasses.stomach], -600, 60, 'native stomach (with air)');
    within(c[phantomClasses.liver], 85, 130, 'enhanced liver');
    within(c[phantomClasses.aorta], 110, 210, 'enhanced aorta');
    within(c[phantomClasses.right_kidney], 90, 190, 'enhanced kidney');
    // Air outside the body, in a corner.
    within(native.image.data[0], -1100, -900, 'air');
  });

  test('anatomy sits on the expected side: liver on the right (+x), spleen on the left, spine posterior', () => {
    const centroid = (id: number) => {
      const total = [0, 0, 0];
      let count = 0;
      const [nz, ny, nx] = native.label.shape;
      for (let k = 0; k < nz; k++) for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++) {
        if (native.label.data[native.label.offsetOf(i, j, k)] !== id) continue;
        native.label.voxelToWorld(i, j, k).forEach((v, a) => (total[a] += v));
        count++;
      }
      return total.map((t) => t / count);
    };
    assert.ok(centroid(phantomClasses.liver)[0] > 20);
    assert.ok(centroid(phantomClasses.spleen)[0] < -40);
    assert.ok(centroid(phantomClasses.right_kidney)[0] > 30 && centroid(phantomClasses.left_kidney)[0] < -30);
    assert.ok(centroid(phantomClasses.spine)[1] < centroid(phantomClasses.aorta)[1]);
  });

  test('a volume takes well under a second', () => {
    const start = performance.now();
    generateAbdominalPhantom({ seed: 99 });
    const ms = performance.now() - start;
    assert.ok(ms < 1000, `${ms.toFixed(0)} ms`);
  });
});

describe('writePhantomDataset', () => {
  test('writes an MSD-layout dataset that loads back with every class', async () => {
    const folder = join(dir, 'phantoms');
    const jsonPath = await writePhantomDataset(folder, 3, 5, { size: [64, 64, 48] });
    const list = await readDecathlonList(jsonPath);
    assert.equal(list.training.length, 3);
    assert.deepEqual([...(list.labels ?? [])], phantomClassNames.map((name, id) => [id, name]));
    const { cases, failures } = await loadCases(list.training, { classIds: Object.values(phantomClasses) });
    assert.equal(failures.length, 0);
    for (const { image, label } of cases) {
      assert.ok(label);
      assert.deepEqual(image.size, [64, 64, 48]);
      assert.equal(image.voxelType, 'float32'); // loadCase reads images as the networks take them
      const present = new Set(label.data);
      assert.deepEqual([...present].sort(), [0, 1, 2, 3, 4, 5, 6, 7]);
    }
    assert.equal((await loadImage(list.training[0].image)).voxelType, 'int16'); // the file's own type
    assert.notDeepEqual(cases[0].image.data, cases[1].image.data);
    // Same seed, same files.
    const again = await writePhantomDataset(join(dir, 'again'), 1, 5, { size: [64, 64, 48] });
    const [first] = (await loadCases((await readDecathlonList(again)).training)).cases;
    assert.deepEqual(first.image.data, cases[0].image.data);
  });
});
