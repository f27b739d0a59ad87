import { DataError } from '../data-error.js';

/** A NIfTI header extension: a code and its payload (without the 8-byte esize/ecode prefix). */
export interface NiftiExtension {
  code: number;
  data: Uint8Array;
}

/**
 * The fields of a NIfTI-1 or NIfTI-2 header, with one shape for both versions
 * (NIfTI-2 widens the same fields to 64 bits). ANALYZE-only fields of
 * NIfTI-1 (data_type, db_name, extents, session_error, glmax, glmin) are not
 * kept.
 */
export interface NiftiHeader {
  version: 1 | 2;
  littleEndian: boolean;
  dimInfo: number;
  /** dim[0] is the number of dimensions, dim[1..7] their sizes. */
  dim: number[];
  intentP1: number;
  intentP2: number;
  intentP3: number;
  intentCode: number;
  intentName: string;
  datatype: number;
  bitpix: number;
  sliceStart: number;
  sliceEnd: number;
  sliceCode: number;
  sliceDuration: number;
  /** pixdim[0] is qfac, pixdim[1..3] voxel sizes. */
  pixdim: number[];
  voxOffset: number;
  sclSlope: number;
  sclInter: number;
  xyztUnits: number;
  calMax: number;
  calMin: number;
  toffset: number;
  descrip: string;
  auxFile: string;
  qformCode: number;
  sformCode: number;
  quaternB: number;
  quaternC: number;
  quaternD: number;
  qoffsetX: number;
  qoffsetY: number;
  qoffsetZ: number;
  srowX: number[];
  srowY: number[];
  srowZ: number[];
  extensions: NiftiExtension[];
}

const NIFTI1_SIZE = 348;
const NIFTI2_SIZE = 540;
const NIFTI1_MAGIC = 'n+1\0';
const NIFTI2_MAGIC = 'n+2\0\r\n\x1a\n';

/** Header (and extender + extensions) size that voxel data may start after. */
export function niftiHeaderSize(version: 1 | 2): number {
  return version === 1 ? NIFTI1_SIZE : NIFTI2_SIZE;
}

function readString(bytes: Uint8Array, offset: number, length: number): string {
  let end = offset;
  while (end < offset + length && bytes[end] !== 0) end++;
  return new TextDecoder('latin1').decode(bytes.subarray(offset, end));
}

function writeString(bytes: Uint8Array, offset: number, length: number, value: string): void {
  for (let i = 0; i < length; i++) bytes[offset + i] = i < value.length ? value.charCodeAt(i) & 0xff : 0;
}

/** Reads the header at the start of an uncompressed NIfTI file. */
export function parseNiftiHeader(bytes: Uint8Array, path: string): NiftiHeader {
  if (bytes.length < 4) throw new DataError(path, `not a NIfTI file: only ${bytes.length} bytes`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const sizeLE = view.getInt32(0, true);
  const sizeBE = view.getInt32(0, false);
  let version: 1 | 2;
  let littleEndian: boolean;
  if (sizeLE === NIFTI1_SIZE || sizeBE === NIFTI1_SIZE) {
    version = 1;
    littleEndian = sizeLE === NIFTI1_SIZE;
  } else if (sizeLE === NIFTI2_SIZE || sizeBE === NIFTI2_SIZE) {
    version = 2;
    littleEndian = sizeLE === NIFTI2_SIZE;
  } else {
    throw new DataError(path, `not a NIfTI file: sizeof_hdr is ${sizeLE}, expected 348 (NIfTI-1) or 540 (NIfTI-2)`);
  }
  const size = niftiHeaderSize(version);
  if (bytes.length < size) {
    throw new DataError(path, `truncated NIfTI-${version} header: ${bytes.length} of ${size} bytes`);
  }
  const header = version === 1 ? parseNifti1(bytes, view, littleEndian, path) : parseNifti2(bytes, view, littleEndian, path);
  header.extensions = parseExtensions(bytes, view, header, path);
  return header;
}

function parseNifti1(bytes: Uint8Array, view: DataView, le: boolean, path: string): NiftiHeader {
  const magic = readString(bytes, 344, 4);
  if (magic === 'ni1') {
    throw new DataError(path, 'is the header of a .hdr/.img pair; only single-file NIfTI (.nii, .nii.gz) is supported');
  }
  if (magic !== 'n+1') throw new DataError(path, `not a NIfTI-1 file: magic is ${JSON.stringify(magic)}, expected "n+1"`);
  const i16 = (o: number) => view.getInt16(o, le);
  const f32 = (o: number) => view.getFloat32(o, le);
  return {
    version: 1,
    littleEndian: le,
    dimInfo: bytes[39],
    dim: Array.from({ length: 8 }, (_, i) => i16(40 + 2 * i)),
    intentP1: f32(56),
    intentP2: f32(60),
    intentP3: f32(64),
    intentCode: i16(68),
    datatype: i16(70),
    bitpix: i16(72),
    sliceStart: i16(74),
    pixdim: Array.from({ length: 8 }, (_, i) => f32(76 + 4 * i)),
    voxOffset: f32(108),
    sclSlope: f32(112),
    sclInter: f32(116),
    sliceEnd: i16(120),
    sliceCode: bytes[122],
    xyztUnits: bytes[123],
    calMax: f32(124),
    calMin: f32(128),
    sliceDuration: f32(132),
    toffset: f32(136),
    descrip: readString(bytes, 148, 80),
    auxFile: readString(bytes, 228, 24),
    qformCode: i16(252),
    sformCode: i16(254),
    quaternB: f32(256),
    quaternC: f32(260),
    quaternD: f32(264),
    qoffsetX: f32(268),
    qoffsetY: f32(272),
    qoffsetZ: f32(276),
    srowX: Array.from({ length: 4 }, (_, i) => f32(280 + 4 * i)),
    srowY: Array.from({ length: 4 }, (_, i) => f32(296 + 4 * i)),
    srowZ: Array.from({ length: 4 }, (_, i) => f32(312 + 4 * i)),
    intentName: readString(bytes, 328, 16),
    extensions: [],
  };
}

function parseNifti2(bytes: Uint8Array, view: DataView, le: boolean, path: string): NiftiHeader {
  const magic = readString(bytes, 4, 8);
  if (magic === 'ni2') {
    throw new DataError(path, 'is the header of a .hdr/.img pair; only single-file NIfTI (.nii, .nii.gz) is supported');
  }
  if (magic !== 'n+2') throw new DataError(path, `not a NIfTI-2 file: magic is ${JSON.stringify(magic)}, expected "n+2"`);
  const i32 = (o: number) => view.getInt32(o, le);
  const i64 = (o: number) => Number(view.getBigInt64(o, le));
  const f64 = (o: number) => view.getFloat64(o, le);
  return {
    version: 2,
    littleEndian: le,
    datatype: view.getInt16(12, le),
    bitpix: view.getInt16(14, le),
    dim: Array.from({ length: 8 }, (_, i) => i64(16 + 8 * i)),
    intentP1: f64(80),
    intentP2: f64(88),
    intentP3: f64(96),
    pixdim: Array.from({ length: 8 }, (_, i) => f64(104 + 8 * i)),
    voxOffset: i64(168),
    sclSlope: f64(176),
    sclInter: f64(184),
    calMax: f64(192),
    calMin: f64(200),
    sliceDuration: f64(208),
    toffset: f64(216),
    sliceStart: i64(224),
    sliceEnd: i64(232),
    descrip: readString(bytes, 240, 80),
    auxFile: readString(bytes, 320, 24),
    qformCode: i32(344),
    sformCode: i32(348),
    quaternB: f64(352),
    quaternC: f64(360),
    quaternD: f64(368),
    qoffsetX: f64(376),
    qoffsetY: f64(384),
    qoffsetZ: f64(392),
    srowX: Array.from({ length: 4 }, (_, i) => f64(400 + 8 * i)),
    srowY: Array.from({ length: 4 }, (_, i) => f64(432 + 8 * i)),
    srowZ: Array.from({ length: 4 }, (_, i) => f64(464 + 8 * i)),
    sliceCode: i32(496),
    xyztUnits: i32(500),
    intentCode: i32(504),
    intentName: readString(bytes, 508, 16),
    dimInfo: bytes[524],
    extensions: [],
  };
}

/** Extensions sit between the 4-byte extender after the header and the voxel data. */
function parseExtensions(bytes: Uint8Array, view: DataView, header: NiftiHeader, path: string): NiftiExtension[] {
  const start = niftiHeaderSize(header.version);
  if (bytes.length < start + 4 || bytes[start] === 0) return [];
  const extensions: NiftiExtension[] = [];
  const end = Math.min(header.voxOffset, bytes.length);
  let offset = start + 4;
  while (offset + 8 <= end) {
    const esize = view.getInt32(offset, header.littleEndian);
    const code = view.getInt32(offset + 4, header.littleEndian);
    if (esize < 8 || offset + esize > end) {
      throw new DataError(path, `corrupt NIfTI header extension at byte ${offset} (esize ${esize})`);
    }
    extensions.push({ code, data: Uint8Array.from(bytes.subarray(offset + 8, offset + esize)) });
    offset += esize;
  }
  return extensions;
}

/** Bytes of the header, extender and extensions; voxel data follows at the returned `voxOffset`. */
export function serializeNiftiHeader(header: NiftiHeader): { bytes: Uint8Array; voxOffset: number } {
  const size = niftiHeaderSize(header.version);
  // Extension sizes must be multiples of 16 so that the voxel data stays aligned.
  const extensionSizes = header.extensions.map((e) => Math.ceil((e.data.length + 8) / 16) * 16);
  const voxOffset = size + 4 + extensionSizes.reduce((a, b) => a + b, 0);
  const bytes = new Uint8Array(voxOffset);
  const view = new DataView(bytes.buffer);
  const le = header.littleEndian;
  if (header.version === 1) writeNifti1(bytes, view, le, { ...header, voxOffset });
  else writeNifti2(bytes, view, le, { ...header, voxOffset });
  if (header.extensions.length > 0) bytes[size] = 1;
  let offset = size + 4;
  header.extensions.forEach((extension, index) => {
    view.setInt32(offset, extensionSizes[index], le);
    view.setInt32(offset + 4, extension.code, le);
    bytes.set(extension.data, offset + 8);
    offset += extensionSizes[index];
  });
  return { bytes, voxOffset };
}

function writeNifti1(bytes: Uint8Array, view: DataView, le: boolean, h: NiftiHeader): void {
  const i16 = (o: number, v: number) => view.setInt16(o, v, le);
  const f32 = (o: number, v: number) => view.setFloat32(o, v, le);
  view.setInt32(0, NIFTI1_SIZE, le);
  bytes[38] = 'r'.charCodeAt(0);
  bytes[39] = h.dimInfo;
  h.dim.forEach((v, i) => i16(40 + 2 * i, v));
  f32(56, h.intentP1);
  f32(60, h.intentP2);
  f32(64, h.intentP3);
  i16(68, h.intentCode);
  i16(70, h.datatype);
  i16(72, h.bitpix);
  i16(74, h.sliceStart);
  h.pixdim.forEach((v, i) => f32(76 + 4 * i, v));
  f32(108, h.voxOffset);
  f32(112, h.sclSlope);
  f32(116, h.sclInter);
  i16(120, h.sliceEnd);
  bytes[122] = h.sliceCode;
  bytes[123] = h.xyztUnits;
  f32(124, h.calMax);
  f32(128, h.calMin);
  f32(132, h.sliceDuration);
  f32(136, h.toffset);
  writeString(bytes, 148, 80, h.descrip);
  writeString(bytes, 228, 24, h.auxFile);
  i16(252, h.qformCode);
  i16(254, h.sformCode);
  f32(256, h.quaternB);
  f32(260, h.quaternC);
  f32(264, h.quaternD);
  f32(268, h.qoffsetX);
  f32(272, h.qoffsetY);
  f32(276, h.qoffsetZ);
  h.srowX.forEach((v, i) => f32(280 + 4 * i, v));
  h.srowY.forEach((v, i) => f32(296 + 4 * i, v));
  h.srowZ.forEach((v, i) => f32(312 + 4 * i, v));
  writeString(bytes, 328, 16, h.intentName);
  writeString(bytes, 344, 4, NIFTI1_MAGIC);
}

function writeNifti2(bytes: Uint8Array, view: DataView, le: boolean, h: NiftiHeader): void {
  const i32 = (o: number, v: number) => view.setInt32(o, v, le);
  const i64 = (o: number, v: number) => view.setBigInt64(o, BigInt(v), le);
  const f64 = (o: number, v: number) => view.setFloat64(o, v, le);
  i32(0, NIFTI2_SIZE);
  writeString(bytes, 4, 8, NIFTI2_MAGIC);
  view.setInt16(12, h.datatype, le);
  view.setInt16(14, h.bitpix, le);
  h.dim.forEach((v, i) => i64(16 + 8 * i, v));
  f64(80, h.intentP1);
  f64(88, h.intentP2);
  f64(96, h.intentP3);
  h.pixdim.forEach((v, i) => f64(104 + 8 * i, v));
  i64(168, h.voxOffset);
  f64(176, h.sclSlope);
  f64(184, h.sclInter);
  f64(192, h.calMax);
  f64(200, h.calMin);
  f64(208, h.sliceDuration);
  f64(216, h.toffset);
  i64(224, h.sliceStart);
  i64(232, h.sliceEnd);
  writeString(bytes, 240, 80, h.descrip);
  writeString(bytes, 320, 24, h.auxFile);
  i32(344, h.qformCode);
  i32(348, h.sformCode);
  f64(352, h.quaternB);
  f64(360, h.quaternC);
  f64(368, h.quaternD);
  f64(376, h.qoffsetX);
  f64(384, h.qoffsetY);
  f64(392, h.qoffsetZ);
  h.srowX.forEach((v, i) => f64(400 + 8 * i, v));
  h.srowY.forEach((v, i) => f64(432 + 8 * i, v));
  h.srowZ.forEach((v, i) => f64(464 + 8 * i, v));
  i32(496, h.sliceCode);
  i32(500, h.xyztUnits);
  i32(504, h.intentCode);
  writeString(bytes, 508, 16, h.intentName);
  bytes[524] = h.dimInfo;
}

/** A header for an image that has none: NIfTI-1, little endian, millimetres; the writer fills in shape, datatype and affine. */
export function createNiftiHeader(version: 1 | 2 = 1): NiftiHeader {
  return {
    version,
    littleEndian: true,
    dimInfo: 0,
    dim: [3, 1, 1, 1, 1, 1, 1, 1],
    intentP1: 0,
    intentP2: 0,
    intentP3: 0,
    intentCode: 0,
    intentName: '',
    datatype: 0,
    bitpix: 0,
    sliceStart: 0,
    sliceEnd: 0,
    sliceCode: 0,
    sliceDuration: 0,
    pixdim: [1, 1, 1, 1, 1, 1, 1, 1],
    voxOffset: 0,
    sclSlope: 1,
    sclInter: 0,
    xyztUnits: 2,
    calMax: 0,
    calMin: 0,
    toffset: 0,
    descrip: '',
    auxFile: '',
    qformCode: 0,
    sformCode: 0,
    quaternB: 0,
    quaternC: 0,
    quaternD: 0,
    qoffsetX: 0,
    qoffsetY: 0,
    qoffsetZ: 0,
    srowX: [1, 0, 0, 0],
    srowY: [0, 1, 0, 0],
    srowZ: [0, 0, 1, 0],
    extensions: [],
  };
}
