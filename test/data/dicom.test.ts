import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { axisCodes } from '../../src/data/geometry/orientation.js';
import { listDicomSeries, readDicomSeries } from '../../src/data/io/dicom_series.js';
import { loadImage } from '../../src/data/io/load_image.js';
import { syntheticSeriesSize, writeSyntheticSeries as writeSeries } from './helpers/dicom_writer.js';
import { makeTempDir } from '../helpers/temp_dir.js';

const dir = makeTempDir();
const { rows, columns } = syntheticSeriesSize;

describe('DICOM series (uncompressed)', () => {
  for (const implicitVR of [false, true]) {
    test(`${implicitVR ? 'implicit' : 'explicit'} VR little endian: sorted along the normal, rescaled, affine in RAS`, async () => {
      const folder = join(dir, implicitVR ? 'implicit' : 'explicit');
      writeSeries(folder, '1.2.3.4', 5, { implicitVR });
      writeFileSync(join(folder, 'notes.txt'), 'not a DICOM file');
      const image = await loadImage(folder);
      assert.deepEqual(image.shape, [5, rows, columns]);
      assert.equal(image.voxelType, 'int16');
      for (let k = 0; k < 5; k++) {
        for (let p = 0; p < rows * columns; p++) assert.equal(image.data[k * rows * columns + p], k * 100 + p - 1024);
      }
      const c = Math.cos(Math.PI / 18);
      const s = Math.sin(Math.PI / 18);
      // LPS columns (row direction × 0.7, column direction × 0.8, slice step), then x and y negated.
      const expected = [
        -c * 0.7, s * 0.8, -0.5, 100,
        -s * 0.7, -c * 0.8, 0, 50,
        0, 0, 2.5, 20,
        0, 0, 0, 1,
      ];
      image.affine.forEach((v, i) => assert.ok(Math.abs(v - expected[i]) < 1e-9, `affine[${i}] ${v} vs ${expected[i]}`));
      assert.equal(axisCodes(image.affine), 'LPS');
    });
  }

  test('a non-integer rescale gives float32 values', async () => {
    const folder = join(dir, 'float-rescale');
    writeSeries(folder, '1.2.3.5', 2, { rescaleSlope: 0.5, rescaleIntercept: 0.25 });
    const image = await readDicomSeries(folder);
    assert.equal(image.voxelType, 'float32');
    assert.equal(image.data[1], 0.5 * 1 + 0.25);
  });

  test("dtype: 'float32' gives float32 for an integer rescale too, with the same values", async () => {
    const folder = join(dir, 'integer-rescale');
    writeSeries(folder, '1.2.3.6', 2, { rescaleSlope: 2, rescaleIntercept: -1024 });
    const native = await readDicomSeries(folder);
    const narrowed = await readDicomSeries(folder, { dtype: 'float32' });
    assert.equal(native.voxelType, 'int16');
    assert.equal(narrowed.voxelType, 'float32');
    assert.deepEqual(Array.from(narrowed.data), Array.from(native.data));
  });

  test('a folder with several series reads the one chosen by UID', async () => {
    const folder = join(dir, 'mixed');
    writeSeries(folder, '1.2.3.100', 3);
    writeSeries(folder, '1.2.3.200', 2, { seriesDescription: 'scout' });
    const series = await listDicomSeries(folder);
    assert.deepEqual(
      series.map((s) => [s.seriesInstanceUID, s.slices.length, s.description]),
      [['1.2.3.100', 3, 'synthetic'], ['1.2.3.200', 2, 'scout']],
    );
    const scout = await loadImage(folder, { seriesInstanceUID: '1.2.3.200' });
    assert.deepEqual(scout.shape, [2, rows, columns]);
  });
});
