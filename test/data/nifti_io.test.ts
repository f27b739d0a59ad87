import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, test } from 'node:test';
import { Image } from '../../src/data/image.js';
import { loadImage, saveImage } from '../../src/data/io/load_image.js';
import { createNiftiHeader, serializeNiftiHeader } from '../../src/data/io/nifti_header.js';
import { niftiDatatypeByName, supportedNiftiDatatypeNames } from '../../src/data/io/nifti_datatype.js';
import { NiftiDecoder, readNifti } from '../../src/data/io/nifti_reader.js';
import { writeNifti } from '../../src/data/io/nifti_writer.js';
import { allocateVoxels } from '../../src/data/voxel_array.js';
import { lastJsonLine, requirePath, requirePython, runPythonAsync, sharedData } from '../helpers/env.js';
import { makeTempDir } from '../helpers/temp_dir.js';

const dir = makeTempDir();

/** An oblique affine whose entries are exact in float32, so a NIfTI-1 sform round-trips bit for bit. */
const obliqueAffine = Float64Array.from(
  [0.9, -0.3, 0.05, -120.25, 0.28, 1.1, -0.1, 30.5, -0.02, 0.12, 2.5, -80.75, 0, 0, 0, 1],
  Math.fround,
);

function sampleValues(name: string, count: number): number[] {
  const datatype = niftiDatatypeByName(name as never);
  const extremes = datatype.integer
    ? [datatype.min, datatype.max, 0, 1]
    : [-1e30, 1e30, 0, Math.fround(0.1), -2.5];
  return Array.from({ length: count }, (_, i) =>
    i < extremes.length ? extremes[i] : datatype.integer ? ((i * 37) % 200) - (datatype.min < 0 ? 100 : 0) : Math.fround(Math.sin(i) * 1000),
  );
}

describe('NIfTI write → read round trip', () => {
  for (const name of supportedNiftiDatatypeNames) {
    for (const version of [1, 2] as const) {
      for (const ext of ['.nii', '.nii.gz']) {
        test(`${name}, NIfTI-${version}, ${ext}`, async () => {
          const shape = [3, 4, 5] as const;
          const wide = name === 'int64' || name === 'uint64';
          const data = allocateVoxels(wide ? 'float64' : (name as never), 60);
          data.set(sampleValues(name, 60));
          const image = new Image({ data, shape, affine: obliqueAffine });
          const path = join(dir, `roundtrip-${name}-v${version}${ext}`);
          await saveImage(image, path, { datatype: name, version });
          const back = await loadImage(path);
          assert.deepEqual(back.shape, shape);
          assert.equal(back.voxelType, wide ? 'float64' : name);
          assert.deepEqual(Array.from(back.data), Array.from(data));
          assert.deepEqual(Array.from(back.affine), Array.from(obliqueAffine));
          assert.equal(back.header?.version, version);
        });
      }
    }
  }

  test('NIfTI-2 keeps a float64 affine exactly', async () => {
    const affine = Float64Array.of(0.1, 0, 0, 1 / 3, 0, 0.7, 0, Math.PI, 0, 0, 1.3, -Math.E, 0, 0, 0, 1);
    const image = new Image({ data: new Float32Array(8), shape: [2, 2, 2], affine });
    const path = join(dir, 'exact.nii');
    await writeNifti(image, path, { version: 2 });
    assert.deepEqual(Array.from((await readNifti(path)).affine), Array.from(affine));
  });

  test('float data written to an integer type is rounded; out-of-range values fail naming the file', async () => {
    const image = new Image({ data: Float32Array.of(0.4, 1.6, 2, 254.7), shape: [1, 1, 4], affine: obliqueAffine });
    const path = join(dir, 'rounded.nii');
    await saveImage(image, path, { datatype: 'uint8' });
    assert.deepEqual(Array.from((await loadImage(path)).data), [0, 2, 2, 255]);
    const tooBig = image.withData(Float32Array.of(0, 1, 2, 300));
    await assert.rejects(saveImage(tooBig, join(dir, 'big.nii'), { datatype: 'uint8' }), /big\.nii: voxel 3 holds 300, which does not fit uint8/);
  });

  test('big-endian headers are written big-endian and read back', async () => {
    const header = { ...createNiftiHeader(), littleEndian: false };
    const data = Int16Array.of(-300, 2, 1000, 32767, -32768, 7);
    const path = join(dir, 'big-endian.nii');
    await saveImage(new Image({ data, shape: [1, 2, 3], affine: obliqueAffine, header }), path);
    const bytes = readFileSync(path);
    assert.equal(bytes.readInt32BE(0), 348);
    const back = await loadImage(path);
    assert.equal(back.header?.littleEndian, false);
    assert.deepEqual(Array.from(back.data), Array.from(data));
    assert.deepEqual(Array.from(back.affine), Array.from(obliqueAffine));
  });

  test('scl_slope and scl_inter are applied on read', async () => {
    const header = { ...createNiftiHeader(), datatype: 4, bitpix: 16, dim: [3, 3, 1, 1, 1, 1, 1, 1], sclSlope: 0.5, sclInter: -10, sformCode: 1 };
    const { bytes: head, voxOffset } = serializeNiftiHeader(header);
    const file = new Uint8Array(voxOffset + 6);
    file.set(head);
    file.set(new Uint8Array(Int16Array.of(0, 20, -4).buffer), voxOffset);
    const path = join(dir, 'scaled.nii');
    writeFileSync(path, file);
    const image = await readNifti(path);
    assert.equal(image.voxelType, 'float32');
    assert.deepEqual(Array.from(image.data), [-10, 0, -12]);
  });

  test("dtype: 'float32' reads every type as float32, scaled or not, gzip or not", async () => {
    const wide = Float64Array.of(1.5, -2.25, 1e300, 0.1, 7, 8);
    const path = join(dir, 'wide.nii.gz');
    await saveImage(new Image({ data: wide, shape: [1, 2, 3], affine: obliqueAffine }), path);
    assert.equal((await loadImage(path)).voxelType, 'float64');
    // 1e300 has no float32: narrowed, it is infinite, and the non-finite rule names it.
    await assert.rejects(loadImage(path, { dtype: 'float32' }), /wide\.nii\.gz.*1 of 6 voxels are NaN or infinite/);
    const narrowed = await loadImage(path, { dtype: 'float32', nonFinite: 'zero' });
    assert.equal(narrowed.voxelType, 'float32');
    assert.deepEqual(Array.from(narrowed.data), [1.5, -2.25, 0, Math.fround(0.1), 7, 8]);

    const header = { ...createNiftiHeader(), datatype: 4, bitpix: 16, dim: [3, 3, 1, 1, 1, 1, 1, 1], sclSlope: 0.5, sclInter: -10, sformCode: 1 };
    const { voxOffset } = serializeNiftiHeader(header);
    for (const scaled of [true, false]) {
      const file = new Uint8Array(voxOffset + 6);
      file.set(serializeNiftiHeader(scaled ? header : { ...header, sclSlope: 0 }).bytes);
      file.set(new Uint8Array(Int16Array.of(0, 20, -4).buffer), voxOffset);
      const raw = join(dir, `short_${scaled}.nii`);
      writeFileSync(raw, file);
      const image = await readNifti(raw, { dtype: 'float32' });
      assert.equal(image.voxelType, 'float32');
      assert.deepEqual(Array.from(image.data), scaled ? [-10, 0, -12] : [0, 20, -4]);
    }
  });

  test('a volume read in pieces: voxels split across reads at an odd offset, big-endian, scaled or not, gzip or not', async () => {
    // 1.3 MB of voxels, more than one 1 MiB read; the offset 357 splits an int16 across every piece boundary.
    const [nx, ny, nz] = [128, 128, 40];
    const count = nx * ny * nz;
    const values = Int16Array.from({ length: count }, (_, i) => ((i * 7919) % 65536) - 32768);
    for (const scaled of [false, true]) {
      const header = {
        ...createNiftiHeader(),
        littleEndian: false,
        datatype: 4,
        bitpix: 16,
        dim: [3, nx, ny, nz, 1, 1, 1, 1],
        sclSlope: scaled ? 0.5 : 1,
        sclInter: scaled ? -10 : 0,
      };
      const { bytes: head } = serializeNiftiHeader(header);
      const voxOffset = 357;
      const file = Buffer.alloc(voxOffset + 2 * count);
      file.set(head);
      file.writeFloatBE(voxOffset, 108);
      for (let i = 0; i < count; i++) file.writeInt16BE(values[i], voxOffset + 2 * i);
      for (const gz of [false, true]) {
        const path = join(dir, `pieces_${scaled}.nii${gz ? '.gz' : ''}`);
        writeFileSync(path, gz ? gzipSync(file) : file);
        const image = await readNifti(path);
        assert.equal(image.voxelType, scaled ? 'float32' : 'int16');
        assert.deepEqual(image.shape, [nz, ny, nx]);
        const expected = scaled ? Float32Array.from(values, (v) => v * 0.5 - 10) : values;
        const mismatch = image.data.findIndex((v, i) => v !== expected[i]);
        assert.equal(mismatch, -1, `voxel ${mismatch}: ${image.data[mismatch]} vs ${expected[mismatch]}`);
      }
    }
  });

  test('a gzip trailer that misstates the length is refused as corrupt', async () => {
    const path = join(dir, 'trailer.nii.gz');
    await saveImage(new Image({ data: Int16Array.of(1, 2, 3, 4, 5, 6, 7, 8), shape: [2, 2, 2], affine: obliqueAffine }), path);
    const bytes = readFileSync(path);
    for (const isize of [7, bytes.length * 2000]) {
      const bad = Buffer.from(bytes);
      bad.writeUInt32LE(isize, bad.length - 4);
      const badPath = join(dir, `trailer_${isize}.nii.gz`);
      writeFileSync(badPath, bad);
      await assert.rejects(loadImage(badPath), /trailer_\d+\.nii\.gz.*corrupt gzip data/);
    }
  });

  test('header extensions larger than one read, and a file pushed to the decoder a few bytes at a time', async () => {
    const big = { code: 4, data: Uint8Array.from({ length: 2.5 * 2 ** 20 }, (_, i) => (i * 31) % 251) };
    const small = { code: 6, data: new TextEncoder().encode('after the big one') };
    const header = { ...createNiftiHeader(), extensions: [big, small], descrip: 'big extension' };
    const data = Float32Array.from({ length: 6 * 5 * 4 }, (_, i) => Math.fround(Math.cos(i)));
    const path = join(dir, 'big_extension.nii.gz');
    await saveImage(new Image({ data, shape: [4, 5, 6], affine: obliqueAffine, header }), path);
    const read = await readNifti(path);
    // Each extension is padded to a multiple of 16 bytes with its 8-byte size and code.
    assert.deepEqual(read.header?.extensions.map((e) => [e.code, e.data.length]), [[4, big.data.length + 8], [6, 24]]);
    assert.ok(Buffer.from(read.header!.extensions[0].data.subarray(0, big.data.length)).equals(Buffer.from(big.data)));
    assert.deepEqual(Array.from(read.data), Array.from(data));

    const file = gunzipSync(readFileSync(path));
    const decoder = new NiftiDecoder(path, {}, { bytes: file.length, description: `the file has ${file.length}` });
    for (let at = 0; at < 4096; at += 7) decoder.push(file.subarray(at, Math.min(at + 7, 4096)));
    decoder.push(file.subarray(4096));
    const pieces = decoder.finish();
    assert.deepEqual(pieces.header?.extensions.map((e) => e.code), [4, 6]);
    assert.deepEqual(Array.from(pieces.data), Array.from(data));
  });

  test('header extensions survive a write', async () => {
    const extension = { code: 6, data: new TextEncoder().encode('comment: smit test'.padEnd(24)) };
    const header = { ...createNiftiHeader(), extensions: [extension], descrip: 'with extension' };
    const path = join(dir, 'extension.nii.gz');
    await saveImage(new Image({ data: new Uint8Array(8), shape: [2, 2, 2], affine: obliqueAffine, header }), path);
    const back = await loadImage(path);
    assert.equal(back.header?.descrip, 'with extension');
    assert.equal(back.header?.extensions.length, 1);
    assert.equal(back.header?.extensions[0].code, 6);
    assert.deepEqual(back.header?.extensions[0].data.subarray(0, 24), extension.data);
  });
});

describe('writing with the source header', () => {
  test('a uint8 prediction saved with the CT header keeps header fields and the grid', async (t) => {
    const ctPath = sharedData('totalseg-ct', 'ct_abdomen_pelvis_3mm.nii.gz');
    if (!requirePath(t, ctPath)) return;
    const ct = await loadImage(ctPath);
    const prediction = ct.withData(Uint8Array.from(ct.data, (v) => (v > 200 ? 1 : 0)));
    const path = join(dir, 'prediction.nii.gz');
    await saveImage(prediction, path, { datatype: 'uint8' });
    const back = await loadImage(path);
    assert.equal(back.voxelType, 'uint8');
    assert.deepEqual(Array.from(back.affine), Array.from(ct.affine));
    assert.deepEqual(back.data, prediction.data);
    const { header: source } = ct;
    const { header: written } = back;
    assert.ok(source && written);
    for (const field of ['sformCode', 'qformCode', 'xyztUnits', 'descrip', 'intentCode', 'dimInfo', 'littleEndian'] as const) {
      assert.deepEqual(written[field], source[field], field);
    }
    assert.equal(written.datatype, 2);
  });
});

interface NibabelFixture {
  name: string;
  affine: number[][];
  data: number[];
  shape: number[];
}

describe('agreement with nibabel', () => {
  test('reads files nibabel wrote: qform only, big endian, NIfTI-2, no transform, scaling, 4-D', async (t) => {
    if (!requirePython(t, ['nibabel', 'numpy'])) return;
    const fixtures = lastJsonLine<NibabelFixture[]>(await runPythonAsync(
      `
import json, sys, numpy as np, nibabel as nib
out = sys.argv[1]
rot = np.array([[0.0, -1.0, 0.0], [0.8, 0.0, 0.6], [-0.6, 0.0, 0.8]])
aff = np.eye(4); aff[:3, :3] = rot * [1.5, 2.0, 3.0]; aff[:3, 3] = [10.0, -20.0, 30.5]
cases = []
def save(name, img, volume=None):
    nib.save(img, out + '/' + name)
    back = nib.load(out + '/' + name)
    data = back.get_fdata()
    if volume is not None: data = data[..., volume]
    cases.append(dict(name=name, affine=back.affine.tolist(), shape=list(data.shape), data=data.transpose(2, 1, 0).ravel().tolist()))
a = np.arange(60, dtype=np.int16).reshape(5, 4, 3) - 30
img = nib.Nifti1Image(a, None); img.set_qform(aff, code=1); img.set_sform(None, code=0)
img.header.set_slope_inter(2.0, -7.0); save('qform_scaled.nii.gz', img)
hdr = nib.Nifti1Header(endianness='>'); hdr.set_data_dtype(np.float32)
save('big_endian.nii', nib.Nifti1Image((a * 0.25).astype('>f4'), aff, hdr))
save('nifti2.nii.gz', nib.Nifti2Image(a.astype(np.uint16) + 100, aff))
img = nib.Nifti1Image(a.astype(np.uint8) + 30, None); img.set_qform(None, code=0); img.set_sform(None, code=0)
img.header.set_zooms((1.5, 2.5, 4.0)); save('no_transform.nii', img)
four = np.stack([a, a * 2, a * 3], -1).astype(np.float64)
save('four_d.nii.gz', nib.Nifti1Image(four, aff), volume=2)
print(json.dumps(cases))
`,
      { args: [dir] },
    ));
    for (const fixture of fixtures) {
      const image = await readNifti(join(dir, fixture.name), fixture.name === 'four_d.nii.gz' ? { timepoint: 2 } : {});
      assert.deepEqual([...image.size], fixture.shape, fixture.name);
      assert.deepEqual(Array.from(image.data), fixture.data, fixture.name);
      const expected = fixture.affine.flat();
      image.affine.forEach((v, i) => assert.ok(Math.abs(v - expected[i]) < 1e-5, `${fixture.name} affine[${i}] ${v} vs ${expected[i]}`));
    }
  });

  test('nibabel reads what we write: datatypes, byte order, NIfTI-2, qform and sform', async (t) => {
    if (!requirePython(t, ['nibabel', 'numpy'])) return;
    const cases = [
      { name: 'w_int16.nii.gz', datatype: 'int16', version: 1, littleEndian: true },
      { name: 'w_float32_be.nii', datatype: 'float32', version: 1, littleEndian: false },
      { name: 'w_uint16_v2.nii.gz', datatype: 'uint16', version: 2, littleEndian: true },
      { name: 'w_int64.nii', datatype: 'int64', version: 1, littleEndian: true },
    ] as const;
    const data = Float64Array.from({ length: 60 }, (_, i) => i * 3);
    for (const c of cases) {
      const header = { ...createNiftiHeader(c.version), littleEndian: c.littleEndian };
      await saveImage(new Image({ data, shape: [3, 4, 5], affine: obliqueAffine, header }), join(dir, c.name), { datatype: c.datatype });
    }
    const report = lastJsonLine<{ name: string; affine: number[][]; qform: number[][]; dtype: string; endian: string; data: number[] }[]>(await runPythonAsync(
      `
import json, sys, numpy as np, nibabel as nib
res = []
for name in sys.argv[2:]:
    img = nib.load(sys.argv[1] + '/' + name)
    res.append(dict(name=name, affine=img.affine.tolist(), qform=img.get_qform().tolist(), dtype=str(img.get_data_dtype().name),
                    endian=img.header.endianness, data=np.asarray(img.dataobj).transpose(2, 1, 0).ravel().tolist()))
print(json.dumps(res))
`,
      { args: [dir, ...cases.map((c) => c.name)] },
    ));
    report.forEach((r, index) => {
      const c = cases[index];
      assert.equal(r.dtype, c.datatype, r.name);
      assert.equal(r.endian, c.littleEndian ? '<' : '>', r.name);
      assert.deepEqual(r.data, Array.from(data), r.name);
      assert.deepEqual(r.affine.flat(), Array.from(obliqueAffine), r.name);
      // The qform holds the nearest rigid transform with the same voxel sizes; for this mildly sheared affine it is close.
      r.qform.flat().forEach((v, i) => assert.ok(Math.abs(v - obliqueAffine[i]) < 0.15, `${r.name} qform[${i}]`));
    });
  });
});
