import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, test } from 'node:test';
import { loadCase, loadCases } from '../../src/data/datasets/dataset_cases.js';
import { readDecathlonList } from '../../src/data/datasets/decathlon_list.js';
import { listVolumeFolder } from '../../src/data/datasets/volume_folder.js';
import { DataError } from '../../src/data/data_error.js';
import { Image } from '../../src/data/image.js';
import { loadImage, saveImage } from '../../src/data/io/load_image.js';
import { createNiftiHeader, serializeNiftiHeader } from '../../src/data/io/nifti_header.js';
import { writeSyntheticSeries } from './helpers/dicom_writer.js';
import { makeTempDir } from '../helpers/temp_dir.js';

const dir = makeTempDir();
const affine = Float64Array.of(2, 0, 0, -10, 0, 2, 0, -10, 0, 0, 3, 5, 0, 0, 0, 1);
const path = (name: string) => join(dir, name);
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Asserts a DataError whose message starts with the path and then matches `problem`. */
async function rejectsNaming(promise: Promise<unknown>, file: string, problem: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof DataError, `expected a DataError, got ${error}`);
    assert.match(error.message, new RegExp(`^${escape(file)}: `));
    assert.match(error.message, problem);
    return true;
  });
}

/** A NIfTI file with the given header fields and raw voxel bytes, written byte by byte. */
function writeRawNifti(name: string, fields: Partial<ReturnType<typeof createNiftiHeader>>, voxels: Uint8Array): string {
  const { bytes, voxOffset } = serializeNiftiHeader({ ...createNiftiHeader(), sformCode: 1, srowX: [1, 0, 0, 0], ...fields });
  const file = new Uint8Array(voxOffset + voxels.length);
  file.set(bytes);
  file.set(voxels, voxOffset);
  writeFileSync(path(name), file);
  return path(name);
}

const cube = (data: Uint8Array | Float32Array | Int16Array, grid = affine) => new Image({ data, shape: [2, 2, 2], affine: grid });

describe('bad files', () => {
  test('missing file', async () => {
    await rejectsNaming(loadImage(path('nowhere.nii.gz')), path('nowhere.nii.gz'), /no such file or folder/);
  });

  test('truncated .nii.gz', async () => {
    const whole = path('whole.nii.gz');
    await saveImage(new Image({ data: Float32Array.from({ length: 4096 }, Math.sin), shape: [16, 16, 16], affine }), whole);
    const bytes = readFileSync(whole);
    writeFileSync(path('cut.nii.gz'), bytes.subarray(0, bytes.length >> 1));
    await rejectsNaming(loadImage(path('cut.nii.gz')), path('cut.nii.gz'), /truncated gzip data/);
  });

  test('corrupt gzip stream', async () => {
    writeFileSync(path('garbage.nii.gz'), Uint8Array.of(0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0xff, 0xff, 0xff, 0xff, 0xff));
    await rejectsNaming(loadImage(path('garbage.nii.gz')), path('garbage.nii.gz'), /corrupt gzip data/);
  });

  test('uncompressed file shorter than its voxel data', async () => {
    const file = writeRawNifti('short.nii', { datatype: 4, bitpix: 16, dim: [3, 4, 4, 4, 1, 1, 1, 1] }, new Uint8Array(20));
    await rejectsNaming(loadImage(file), file, /truncated: voxel data needs bytes 352\.\.480 but the file has 372/);
  });

  test('a header claiming far more voxels than the file can hold is refused before the volume is allocated', async () => {
    const dim = [3, 4000, 4000, 4000, 1, 1, 1, 1];
    const plain = writeRawNifti('huge.nii', { datatype: 64, bitpix: 64, dim }, new Uint8Array(64));
    await rejectsNaming(loadImage(plain), plain, /truncated: voxel data needs bytes 352\.\.512000000352 but the file has 416 \(dim 4000×4000×4000, float64\)/);
    const gz = path('huge.nii.gz');
    writeFileSync(gz, gzipSync(readFileSync(plain)));
    await rejectsNaming(loadImage(gz), gz, /truncated: voxel data needs bytes 352\.\.512000000352 but the gzip file \(\d+ bytes\) inflates to at most \d+/);
  });

  test('not a NIfTI: bad sizeof_hdr', async () => {
    writeFileSync(path('text.nii'), 'this is a text file, not an image\n'.repeat(20));
    await rejectsNaming(loadImage(path('text.nii')), path('text.nii'), /not a NIfTI file: sizeof_hdr is \d+, expected 348 \(NIfTI-1\) or 540 \(NIfTI-2\)/);
  });

  test('not a NIfTI: bad magic', async () => {
    await saveImage(cube(new Uint8Array(8)), path('magic.nii'));
    const bytes = readFileSync(path('magic.nii'));
    bytes.write('abc\0', 344, 'latin1');
    writeFileSync(path('magic.nii'), bytes);
    await rejectsNaming(loadImage(path('magic.nii')), path('magic.nii'), /magic is "abc", expected "n\+1"/);
  });

  test('unsupported datatype', async () => {
    const file = writeRawNifti('complex.nii', { datatype: 32, bitpix: 64, dim: [3, 1, 1, 1, 1, 1, 1, 1] }, new Uint8Array(8));
    await rejectsNaming(loadImage(file), file, /unsupported NIfTI datatype 32 \(complex64\)/);
  });

  test('unsupported file type', async () => {
    writeFileSync(path('image.png'), 'png');
    await rejectsNaming(loadImage(path('image.png')), path('image.png'), /unsupported file type/);
  });
});

describe('4-D and 5-D volumes', () => {
  // 2×2×2 voxels × 3 timepoints × 2 components, value = 100·c + 10·t + voxel.
  const values = Float32Array.from({ length: 48 }, (_, i) => 100 * Math.floor(i / 24) + 10 * (Math.floor(i / 8) % 3) + (i % 8));
  const bytes = new Uint8Array(values.buffer);

  test('4-D needs a timepoint', async () => {
    const file = writeRawNifti('four.nii', { datatype: 16, bitpix: 32, dim: [4, 2, 2, 2, 3, 1, 1, 1] }, bytes.subarray(0, 96));
    await rejectsNaming(loadImage(file), file, /has 3 timepoints \(a 4-D volume\); pass \{ timepoint: 0\.\.2 \} to read one/);
    assert.deepEqual(Array.from((await loadImage(file, { timepoint: 2 })).data), [20, 21, 22, 23, 24, 25, 26, 27]);
    await rejectsNaming(loadImage(file, { timepoint: 3 }), file, /timepoint 3 is out of range: the file has 3 timepoints/);
  });

  test('5-D needs a component (and a timepoint when there are several)', async () => {
    const file = writeRawNifti('five.nii', { datatype: 16, bitpix: 32, dim: [5, 2, 2, 2, 3, 2, 1, 1] }, bytes);
    await rejectsNaming(loadImage(file, { timepoint: 0 }), file, /has 2 components \(a 5-D volume\); pass \{ component: 0\.\.1 \}/);
    assert.deepEqual(Array.from((await loadImage(file, { timepoint: 1, component: 1 })).data), [110, 111, 112, 113, 114, 115, 116, 117]);
  });

  test('a 4-D file with one timepoint reads as 3-D', async () => {
    const file = writeRawNifti('four-one.nii', { datatype: 16, bitpix: 32, dim: [4, 2, 2, 2, 1, 1, 1, 1] }, bytes.subarray(0, 32));
    assert.deepEqual((await loadImage(file)).shape, [2, 2, 2]);
  });
});

describe('NaN and infinite voxels', () => {
  const file = path('nan.nii.gz');

  test('fail by default, naming the count and first voxel', async () => {
    await saveImage(cube(Float32Array.of(1, 2, NaN, 4, Infinity, 6, 7, 8)), file);
    await rejectsNaming(loadImage(file), file, /2 of 8 voxels are NaN or infinite \(first NaN at voxel \(0, 1, 0\)\); pass \{ nonFinite: 'zero' \}/);
  });

  test("'zero' replaces them, 'keep' keeps them", async () => {
    assert.deepEqual(Array.from((await loadImage(file, { nonFinite: 'zero' })).data), [1, 2, 0, 4, 0, 6, 7, 8]);
    const kept = await loadImage(file, { nonFinite: 'keep' });
    assert.ok(Number.isNaN(kept.data[2]) && kept.data[4] === Infinity);
  });
});

describe('geometry', () => {
  const zeroSform = { sformCode: 1, srowX: [0, 0, 0, 0], srowY: [0, 0, 0, 0], srowZ: [0, 0, 0, 0] };
  const header = { datatype: 2, bitpix: 8, dim: [3, 2, 2, 2, 1, 1, 1, 1], pixdim: [1, 2, 3, 4, 1, 1, 1, 1] };

  test('a zero or non-finite sform falls back to the qform, then to pixdim', async () => {
    const qform = writeRawNifti('zero-sform.nii', { ...header, ...zeroSform, qformCode: 1, qoffsetX: 5, qoffsetY: 6, qoffsetZ: 7 }, new Uint8Array(8));
    assert.deepEqual(Array.from((await loadImage(qform)).affine), [2, 0, 0, 5, 0, 3, 0, 6, 0, 0, 4, 7, 0, 0, 0, 1]);
    const base = writeRawNifti('nan-sform.nii', { ...header, ...zeroSform, srowX: [NaN, 0, 0, 0] }, new Uint8Array(8));
    assert.deepEqual(Array.from((await loadImage(base)).affine), [-2, 0, 0, 1, 0, 3, 0, -1.5, 0, 0, 4, -2, 0, 0, 0, 1]);
  });

  test('voxel sizes that are zero, negative or not finite are refused, naming the file', async () => {
    for (const [name, size] of [['pixdim-zero.nii', 0], ['pixdim-negative.nii', -2], ['pixdim-inf.nii', Infinity]] as const) {
      const file = writeRawNifti(name, { ...header, sformCode: 0, qformCode: 1, pixdim: [1, 2, size, 4, 1, 1, 1, 1] }, new Uint8Array(8));
      await rejectsNaming(loadImage(file), file, new RegExp(`invalid geometry: voxel size pixdim\\[2\\] = ${size} must be a positive finite number`));
    }
  });

  test('scl_slope NaN or 0 means unscaled; an infinite slope or a non-finite intercept beside a slope is refused', async () => {
    const unscaled = writeRawNifti('slope-nan.nii', { ...header, sclSlope: NaN, sclInter: NaN }, Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8));
    assert.deepEqual(Array.from((await loadImage(unscaled)).data), [1, 2, 3, 4, 5, 6, 7, 8]);
    const infinite = writeRawNifti('slope-inf.nii', { ...header, sclSlope: -Infinity }, new Uint8Array(8));
    await rejectsNaming(loadImage(infinite), infinite, /invalid scl_slope -Infinity/);
    const inter = writeRawNifti('inter-inf.nii', { ...header, sclSlope: 2, sclInter: Infinity }, new Uint8Array(8));
    await rejectsNaming(loadImage(inter), inter, /invalid scl_inter Infinity beside scl_slope 2/);
  });

  test('DICOM slices with zero PixelSpacing or skewed orientation are refused, naming the slice', async () => {
    writeSyntheticSeries(path('spacing-zero'), '1.2.3.800', 2, { pixelSpacing: [0.8, 0] });
    await rejectsNaming(loadImage(path('spacing-zero')), join(path('spacing-zero'), '1.2.3.800-001.dcm'), /PixelSpacing \(0028,0030\) 0\.8\\0 must be positive/);
    writeSyntheticSeries(path('skewed'), '1.2.3.801', 2, { orientation: [1, 0, 0, 0.5, 0.5, 0] });
    await rejectsNaming(loadImage(path('skewed')), join(path('skewed'), '1.2.3.801-001.dcm'), /is not two orthogonal unit vectors/);
  });
});

describe('labels', () => {
  test('label grid different from the image grid: shape, then affine beyond tolerance', async () => {
    await saveImage(cube(new Int16Array(8)), path('img.nii.gz'));
    await saveImage(new Image({ data: new Uint8Array(12), shape: [3, 2, 2], affine }), path('lab-shape.nii.gz'));
    const shifted = Float64Array.from(affine);
    shifted[3] += 0.5;
    await saveImage(cube(new Uint8Array(8), shifted), path('lab-shift.nii.gz'));
    const nudged = Float64Array.from(affine);
    nudged[3] += 1e-4;
    await saveImage(cube(new Uint8Array(8), nudged), path('lab-nudge.nii.gz'));

    await rejectsNaming(
      loadCase({ image: path('img.nii.gz'), label: path('lab-shape.nii.gz') }),
      path('lab-shape.nii.gz'),
      new RegExp(`grid does not match ${escape(path('img.nii.gz'))}: shape 2×2×3 vs 2×2×2`),
    );
    await rejectsNaming(
      loadCase({ image: path('img.nii.gz'), label: path('lab-shift.nii.gz') }),
      path('lab-shift.nii.gz'),
      /affines differ by up to 0\.500 mm \(tolerance 0\.001\)/,
    );
    assert.ok((await loadCase({ image: path('img.nii.gz'), label: path('lab-nudge.nii.gz') })).label);
  });

  test('label values outside the class list, and non-integer labels', async () => {
    await saveImage(cube(new Int16Array(8)), path('img2.nii.gz'));
    await saveImage(cube(Uint8Array.of(0, 1, 2, 9, 9, 0, 1, 2)), path('lab-extra.nii.gz'));
    await saveImage(cube(Float32Array.of(0, 1, 1.5, 0, 0, 0, 0, 0)), path('lab-frac.nii.gz'));
    await rejectsNaming(
      loadCase({ image: path('img2.nii.gz'), label: path('lab-extra.nii.gz') }, { classIds: [0, 1, 2] }),
      path('lab-extra.nii.gz'),
      /label values 9 \(2 voxels\) are not in the class list \[0, 1, 2\]/,
    );
    await rejectsNaming(
      loadCase({ image: path('img2.nii.gz'), label: path('lab-frac.nii.gz') }),
      path('lab-frac.nii.gz'),
      /label values must be whole numbers 0\.\.65535; found 1\.5 \(1 voxels\)/,
    );
  });
});

describe('folders', () => {
  test('an empty folder', async () => {
    mkdirSync(path('empty'));
    await rejectsNaming(loadImage(path('empty')), path('empty'), /folder is empty/);
    await rejectsNaming(listVolumeFolder(path('empty')), path('empty'), /contains no \.nii\/\.nii\.gz volumes, DICOM sub-folders or DICOM files/);
  });

  test('a folder without DICOM files', async () => {
    mkdirSync(path('texts'));
    writeFileSync(join(path('texts'), 'a.txt'), 'hello');
    await rejectsNaming(loadImage(path('texts')), path('texts'), /contains no DICOM image files/);
  });

  test('a DICOM folder with mixed series lists them; an unknown UID is refused', async () => {
    const folder = path('mixed');
    writeSyntheticSeries(folder, '1.2.3.100', 3);
    writeSyntheticSeries(folder, '1.2.3.200', 2, { seriesDescription: 'scout' });
    await rejectsNaming(
      loadImage(folder),
      folder,
      /holds 2 DICOM series \(1\.2\.3\.100: 3 slices, CT "synthetic"; 1\.2\.3\.200: 2 slices, CT "scout"\); pass \{ seriesInstanceUID \} to choose one/,
    );
    await rejectsNaming(loadImage(folder, { seriesInstanceUID: '9.9' }), folder, /has no series 9\.9; it holds 1\.2\.3\.100/);
  });

  test('a DICOM series with two slices at one position', async () => {
    const folder = path('duplicates');
    writeSyntheticSeries(folder, '1.2.3.300', 2);
    // File names come from the second argument, so this adds dup-001.dcm: series 1.2.3.300, first position again.
    writeSyntheticSeries(folder, 'dup', 1, { seriesInstanceUID: '1.2.3.300', instanceNumber: 9 });
    await rejectsNaming(loadImage(folder), folder, /lie at the same position/);
  });
});

describe('links, series folders and slices without pixels', () => {
  /** Cuts a copy of a slice just before the element starting with `tag` (little-endian group, element). */
  const cutBefore = (file: string, tag: number[]) => {
    const bytes = readFileSync(file);
    writeFileSync(file, bytes.subarray(0, bytes.lastIndexOf(Buffer.from(tag))));
  };

  test('a DICOM slice without pixel data is an error naming it, not a shorter series', async () => {
    const folder = path('no-pixels');
    writeSyntheticSeries(folder, '1.2.3.900', 3);
    cutBefore(join(folder, '1.2.3.900-002.dcm'), [0xe0, 0x7f, 0x10, 0x00]);
    await rejectsNaming(loadImage(folder), join(folder, '1.2.3.900-002.dcm'), /image slice without pixel data \(7FE0,0010\)/);
  });

  test('a DICOM file that describes no image (no Rows, no position) is ignored', async () => {
    const folder = path('with-report');
    writeSyntheticSeries(folder, '1.2.3.901', 2);
    writeSyntheticSeries(join(folder, 'tmp'), 'report', 1);
    const report = join(folder, 'report.dcm');
    writeFileSync(report, readFileSync(join(folder, 'tmp', 'report-001.dcm')));
    cutBefore(report, [0x08, 0x00, 0x60, 0x00]);
    assert.deepEqual((await loadImage(folder)).shape, [2, 3, 4]);
  });

  test('symbolic links to volumes and to series folders are followed when listing', async () => {
    const real = path('real');
    mkdirSync(real);
    await saveImage(cube(new Int16Array(8)), join(real, 'a.nii.gz'));
    writeSyntheticSeries(join(real, 'series'), '1.2.3.902', 2);
    const linked = path('linked');
    mkdirSync(linked);
    symlinkSync(join(real, 'a.nii.gz'), join(linked, 'a.nii.gz'));
    symlinkSync(join(real, 'series'), join(linked, 'series'));
    assert.deepEqual(await listVolumeFolder(linked), [{ image: join(linked, 'a.nii.gz') }, { image: join(linked, 'series') }]);
    const slices = path('linked-slices');
    mkdirSync(slices);
    for (const name of readdirSync(join(real, 'series'))) symlinkSync(join(real, 'series', name), join(slices, name));
    assert.deepEqual((await loadImage(slices)).shape, [2, 3, 4]);
  });

  test('a DICOM series folder given directly is one volume', async () => {
    const folder = path('series-direct');
    writeSyntheticSeries(folder, '1.2.3.903', 2);
    assert.deepEqual(await listVolumeFolder(folder), [{ image: folder }]);
  });

  test('a dangling link in a folder is an error naming the link', async () => {
    mkdirSync(path('dangling'));
    symlinkSync(path('nowhere.nii.gz'), join(path('dangling'), 'scan.nii.gz'));
    await rejectsNaming(listVolumeFolder(path('dangling')), join(path('dangling'), 'scan.nii.gz'), /broken symbolic link/);
  });
});

describe('datasets with bad cases', () => {
  test('a datalist that is not JSON, or lacks labels', async () => {
    writeFileSync(path('broken.json'), '{"training": [');
    await rejectsNaming(readDecathlonList(path('broken.json')), path('broken.json'), /not a valid JSON datalist/);
    writeFileSync(path('unlabelled.json'), JSON.stringify({ training: [{ image: 'a.nii.gz' }] }));
    await rejectsNaming(readDecathlonList(path('unlabelled.json')), path('unlabelled.json'), /"training"\[0\] has no "label" path/);
    writeFileSync(path('wrong-keys.json'), JSON.stringify({ name: 'x', train: [] }));
    await rejectsNaming(readDecathlonList(path('wrong-keys.json')), path('wrong-keys.json'), /has no "training", "validation" or "test" list \(its keys: name, train\)/);
  });

  test('loadCases reports every bad case, or skips them on request', async () => {
    await saveImage(cube(new Int16Array(8)), path('good-img.nii.gz'));
    await saveImage(cube(new Uint8Array(8)), path('good-lab.nii.gz'));
    writeFileSync(path('bad-img.nii'), 'not an image');
    const entries = [
      { image: path('good-img.nii.gz'), label: path('good-lab.nii.gz') },
      { image: path('bad-img.nii'), label: path('good-lab.nii.gz') },
      { image: path('good-img.nii.gz'), label: path('missing-lab.nii.gz') },
    ];
    await assert.rejects(loadCases(entries), (error: unknown) => {
      assert.ok(error instanceof AggregateError);
      assert.equal(error.errors.length, 2);
      assert.match(error.message, /^2 of 3 cases are bad \(pass \{ skipBad: true \} to skip them\):/);
      assert.ok(error.message.includes(`${path('bad-img.nii')}: not a NIfTI file`));
      assert.ok(error.message.includes(`${path('missing-lab.nii.gz')}: no such file or folder`));
      return true;
    });
    const { cases, failures } = await loadCases(entries, { skipBad: true });
    assert.equal(cases.length, 1);
    assert.deepEqual(failures.map((f) => f.entry), entries.slice(1));
  });
});
