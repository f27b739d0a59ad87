import { DataError } from '../data_error.js';

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
  const kind = headerKind(view);
  if (!kind) throw new DataError(path, `not a NIfTI file: sizeof_hdr is ${view.getInt32(0, true)}, expected 348 (NIfTI-1) or 540 (NIfTI-2)`);
  const { version, littleEndian } = kind;
  const size = niftiHeaderSize(version);
  if (bytes.length < size) {
    throw new DataError(path, `truncated NIfTI-${version} header: ${bytes.length} of ${size} bytes`);
  }
  const header = parseFields(bytes, view, version, littleEndian, path);
  header.extensions = parseExtensions(bytes, view, header, path);
  return header;
}

/**
 * How many bytes from the start of a file the header, its extender and its
 * extensions take: the data offset when extensions are flagged, else the
 * header and extender. Undefined when `bytes` are too few to tell, or are no
 * NIfTI header (parseNiftiHeader then says why).
 */
export function niftiHeaderSpan(bytes: Uint8Array): number | undefined {
  if (bytes.length < 4) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const kind = headerKind(view);
  if (!kind) return undefined;
  const size = niftiHeaderSize(kind.version);
  if (bytes.length < size + 4) return undefined;
  if (bytes[size] === 0) return size + 4;
  const [offset, cell] = slotOf(FIELDS.find((f) => f.key === 'voxOffset')!, kind.version);
  return Math.max(size + 4, Number(readCell(view, offset, cell as Cell, kind.littleEndian)));
}

/** Version and byte order from sizeof_hdr (348 or 540, in either byte order); undefined for anything else. */
function headerKind(view: DataView): { version: 1 | 2; littleEndian: boolean } | undefined {
  const sizeLE = view.getInt32(0, true);
  const sizeBE = view.getInt32(0, false);
  if (sizeLE === NIFTI1_SIZE || sizeBE === NIFTI1_SIZE) return { version: 1, littleEndian: sizeLE === NIFTI1_SIZE };
  if (sizeLE === NIFTI2_SIZE || sizeBE === NIFTI2_SIZE) return { version: 2, littleEndian: sizeLE === NIFTI2_SIZE };
  return undefined;
}

type FieldKey = Exclude<keyof NiftiHeader, 'version' | 'littleEndian' | 'extensions'>;
type Cell = 'u8' | 'i16' | 'i32' | 'i64' | 'f32' | 'f64';
/** Where a field sits in one version's header: byte offset and element type ('char': a Latin-1 string). */
type Slot = readonly [offset: number, cell: Cell | 'char'];

const CELL_BYTES: Record<Cell, number> = { u8: 1, i16: 2, i32: 4, i64: 8, f32: 4, f64: 8 };

/**
 * Every header field in both versions: `count` elements (characters for
 * strings) at a NIfTI-1 and a NIfTI-2 slot. Reading and writing both walk it.
 */
const FIELDS: readonly { key: FieldKey; count: number; nifti1: Slot; nifti2: Slot }[] = [
  { key: 'datatype', count: 1, nifti1: [70, 'i16'], nifti2: [12, 'i16'] },
  { key: 'bitpix', count: 1, nifti1: [72, 'i16'], nifti2: [14, 'i16'] },
  { key: 'dim', count: 8, nifti1: [40, 'i16'], nifti2: [16, 'i64'] },
  { key: 'intentP1', count: 1, nifti1: [56, 'f32'], nifti2: [80, 'f64'] },
  { key: 'intentP2', count: 1, nifti1: [60, 'f32'], nifti2: [88, 'f64'] },
  { key: 'intentP3', count: 1, nifti1: [64, 'f32'], nifti2: [96, 'f64'] },
  { key: 'pixdim', count: 8, nifti1: [76, 'f32'], nifti2: [104, 'f64'] },
  { key: 'voxOffset', count: 1, nifti1: [108, 'f32'], nifti2: [168, 'i64'] },
  { key: 'sclSlope', count: 1, nifti1: [112, 'f32'], nifti2: [176, 'f64'] },
  { key: 'sclInter', count: 1, nifti1: [116, 'f32'], nifti2: [184, 'f64'] },
  { key: 'calMax', count: 1, nifti1: [124, 'f32'], nifti2: [192, 'f64'] },
  { key: 'calMin', count: 1, nifti1: [128, 'f32'], nifti2: [200, 'f64'] },
  { key: 'sliceDuration', count: 1, nifti1: [132, 'f32'], nifti2: [208, 'f64'] },
  { key: 'toffset', count: 1, nifti1: [136, 'f32'], nifti2: [216, 'f64'] },
  { key: 'sliceStart', count: 1, nifti1: [74, 'i16'], nifti2: [224, 'i64'] },
  { key: 'sliceEnd', count: 1, nifti1: [120, 'i16'], nifti2: [232, 'i64'] },
  { key: 'descrip', count: 80, nifti1: [148, 'char'], nifti2: [240, 'char'] },
  { key: 'auxFile', count: 24, nifti1: [228, 'char'], nifti2: [320, 'char'] },
  { key: 'qformCode', count: 1, nifti1: [252, 'i16'], nifti2: [344, 'i32'] },
  { key: 'sformCode', count: 1, nifti1: [254, 'i16'], nifti2: [348, 'i32'] },
  { key: 'quaternB', count: 1, nifti1: [256, 'f32'], nifti2: [352, 'f64'] },
  { key: 'quaternC', count: 1, nifti1: [260, 'f32'], nifti2: [360, 'f64'] },
  { key: 'quaternD', count: 1, nifti1: [264, 'f32'], nifti2: [368, 'f64'] },
  { key: 'qoffsetX', count: 1, nifti1: [268, 'f32'], nifti2: [376, 'f64'] },
  { key: 'qoffsetY', count: 1, nifti1: [272, 'f32'], nifti2: [384, 'f64'] },
  { key: 'qoffsetZ', count: 1, nifti1: [276, 'f32'], nifti2: [392, 'f64'] },
  { key: 'srowX', count: 4, nifti1: [280, 'f32'], nifti2: [400, 'f64'] },
  { key: 'srowY', count: 4, nifti1: [296, 'f32'], nifti2: [432, 'f64'] },
  { key: 'srowZ', count: 4, nifti1: [312, 'f32'], nifti2: [464, 'f64'] },
  { key: 'sliceCode', count: 1, nifti1: [122, 'u8'], nifti2: [496, 'i32'] },
  { key: 'xyztUnits', count: 1, nifti1: [123, 'u8'], nifti2: [500, 'i32'] },
  { key: 'intentCode', count: 1, nifti1: [68, 'i16'], nifti2: [504, 'i32'] },
  { key: 'intentName', count: 16, nifti1: [328, 'char'], nifti2: [508, 'char'] },
  { key: 'dimInfo', count: 1, nifti1: [39, 'u8'], nifti2: [524, 'u8'] },
];

const slotOf = (field: (typeof FIELDS)[number], version: 1 | 2): Slot => (version === 1 ? field.nifti1 : field.nifti2);

function readCell(view: DataView, offset: number, cell: Cell, le: boolean): number {
  switch (cell) {
    case 'u8': return view.getUint8(offset);
    case 'i16': return view.getInt16(offset, le);
    case 'i32': return view.getInt32(offset, le);
    case 'i64': return Number(view.getBigInt64(offset, le));
    case 'f32': return view.getFloat32(offset, le);
    case 'f64': return view.getFloat64(offset, le);
  }
}

function writeCell(view: DataView, offset: number, cell: Cell, le: boolean, value: number): void {
  switch (cell) {
    case 'u8': return view.setUint8(offset, value);
    case 'i16': return view.setInt16(offset, value, le);
    case 'i32': return view.setInt32(offset, value, le);
    case 'i64': return view.setBigInt64(offset, BigInt(value), le);
    case 'f32': return view.setFloat32(offset, value, le);
    case 'f64': return view.setFloat64(offset, value, le);
  }
}

function checkMagic(bytes: Uint8Array, version: 1 | 2, path: string): void {
  const magic = readString(bytes, version === 1 ? 344 : 4, version === 1 ? 4 : 8);
  if (magic === `ni${version}`) {
    throw new DataError(path, 'is the header of a .hdr/.img pair; only single-file NIfTI (.nii, .nii.gz) is supported');
  }
  if (magic !== `n+${version}`) {
    throw new DataError(path, `not a NIfTI-${version} file: magic is ${JSON.stringify(magic)}, expected "n+${version}"`);
  }
}

function parseFields(bytes: Uint8Array, view: DataView, version: 1 | 2, le: boolean, path: string): NiftiHeader {
  checkMagic(bytes, version, path);
  const header = { version, littleEndian: le, extensions: [] } as Partial<Record<FieldKey, unknown>> & Pick<NiftiHeader, 'version' | 'littleEndian' | 'extensions'>;
  for (const field of FIELDS) {
    const [offset, cell] = slotOf(field, version);
    if (cell === 'char') header[field.key] = readString(bytes, offset, field.count);
    else if (field.count === 1) header[field.key] = readCell(view, offset, cell, le);
    else header[field.key] = Array.from({ length: field.count }, (_, i) => readCell(view, offset + i * CELL_BYTES[cell], cell, le));
  }
  return header as NiftiHeader;
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
  writeFields(bytes, view, { ...header, voxOffset });
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

function writeFields(bytes: Uint8Array, view: DataView, header: NiftiHeader): void {
  const { version, littleEndian: le } = header;
  view.setInt32(0, niftiHeaderSize(version), le);
  if (version === 1) {
    bytes[38] = 'r'.charCodeAt(0);
    writeString(bytes, 344, 4, NIFTI1_MAGIC);
  } else writeString(bytes, 4, 8, NIFTI2_MAGIC);
  for (const field of FIELDS) {
    const [offset, cell] = slotOf(field, version);
    const value = header[field.key];
    if (cell === 'char') writeString(bytes, offset, field.count, value as string);
    else if (field.count === 1) writeCell(view, offset, cell, le, value as number);
    else (value as number[]).forEach((v, i) => writeCell(view, offset + i * CELL_BYTES[cell], cell, le, v));
  }
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
