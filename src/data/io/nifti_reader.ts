import { DataError } from '../data_error.js';
import { Image } from '../image.js';
import { type VoxelArray, type VoxelType, allocateVoxels, viewVoxels } from '../voxel_array.js';
import { hostIsLittleEndian, swapByteOrder } from './byte_order.js';
import { type FileChunks, openFileChunks } from './file_bytes.js';
import type { ImageReadOptions, NonFinitePolicy } from './image_read_options.js';
import { niftiAffine } from './nifti_affine.js';
import { type NiftiDatatype, describeNiftiDatatypeCode, niftiDatatypeByCode } from './nifti_datatype.js';
import { type NiftiHeader, niftiHeaderSize, niftiHeaderSpan, parseNiftiHeader } from './nifti_header.js';

/**
 * Reads a NIfTI-1 or NIfTI-2 file, plain or gzip-compressed. The voxels are
 * decoded as the bytes arrive, so neither the compressed file nor its raw
 * voxels are ever held whole: only the volume, in the type returned.
 */
export async function readNifti(path: string, options: ImageReadOptions = {}): Promise<Image> {
  const { limit, chunks } = await openFileChunks(path);
  const decoder = new NiftiDecoder(path, options, limit);
  for await (const chunk of chunks) decoder.push(chunk);
  return decoder.finish();
}

/**
 * Decodes an uncompressed NIfTI file already in memory. Voxels are scaled by
 * scl_slope/scl_inter when those are set (then float32, or float64 for
 * 32/64-bit and float64 sources); 64-bit integers become float64 (exact up to
 * 2^53); `dtype: 'float32'` makes every type float32 instead. A 4-D/5-D file
 * gives the one volume chosen by the options.
 */
export function decodeNifti(bytes: Uint8Array, path: string, options: ImageReadOptions = {}): Image {
  const decoder = new NiftiDecoder(path, options, { bytes: bytes.length, description: `the file has ${bytes.length}` });
  decoder.push(bytes);
  return decoder.finish();
}

/** Enough bytes for either header version and the extension flag after it. */
const HEADER_PEEK_BYTES = niftiHeaderSize(2) + 4;
/** Voxel bytes are staged in whole elements of this many bytes before conversion (a multiple of every element size). */
const STAGE_BYTES = 1 << 16;

interface VolumeLayout {
  header: NiftiHeader;
  datatype: NiftiDatatype;
  dims: number[];
  /** File offsets of the chosen volume's voxel bytes, [begin, end). */
  begin: number;
  end: number;
  data: VoxelArray;
  /** When the result has the file's own type: the result's bytes, which the file's are copied into. */
  direct?: Uint8Array;
  swap: boolean;
  scale?: { slope: number; inter: number };
}

/** Decodes a NIfTI file pushed in order, in pieces of any size: parses the header (with its extensions), then converts the voxels piece by piece. `limit` bounds the bytes the file can have. */
export class NiftiDecoder {
  readonly #path: string;
  readonly #options: ImageReadOptions;
  /** The most bytes the file can have: the volume is only allocated when they can hold it. */
  readonly #limit: FileChunks['limit'];
  #head: Uint8Array[] = [];
  #headBytes = 0;
  /** Bytes the header and its extensions take, once 544 bytes are in (0 when they are no NIfTI header: parsing says why). */
  #headerSpan?: number;
  #layout?: VolumeLayout;
  /** File offset of the next byte pushed. */
  #offset = 0;
  readonly #stage = new Uint8Array(STAGE_BYTES);
  #staged = 0;
  /** Voxels converted into the result so far. */
  #converted = 0;

  constructor(path: string, options: ImageReadOptions, limit: FileChunks['limit']) {
    this.#path = path;
    this.#options = options;
    this.#limit = limit;
  }

  push(chunk: Uint8Array): void {
    if (this.#layout) {
      this.#accept(chunk);
      return;
    }
    this.#head.push(chunk);
    this.#headBytes += chunk.length;
    if (this.#headBytes < HEADER_PEEK_BYTES) return;
    // Header extensions, when flagged, are parsed whole: gather the bytes up to the voxel data first.
    this.#headerSpan ??= niftiHeaderSpan(this.#joinHead()) ?? 0;
    if (this.#headBytes >= Math.min(this.#headerSpan, this.#limit.bytes)) this.#start();
  }

  finish(): Image {
    if (!this.#layout) this.#start();
    const layout = this.#layout!;
    const { header, datatype, dims, begin, end, swap } = layout;
    if (this.#offset < end) throw truncated(this.#path, layout, `the file has ${this.#offset}`);
    if (layout.direct) {
      if (swap) swapByteOrder(layout.direct, datatype.bytes);
    } else {
      this.#flushStage();
    }
    const [nx, ny, nz] = dims;
    const data = checkFinite(layout.data, this.#options.nonFinite ?? 'error', [nx, ny], this.#path);
    let affine;
    try {
      affine = niftiAffine(header);
    } catch (error) {
      throw new DataError(this.#path, `invalid geometry: ${(error as Error).message}`, { cause: error });
    }
    return new Image({ data, shape: [nz, ny, nx], affine, header, source: this.#path });
  }

  #joinHead(): Uint8Array {
    if (this.#head.length > 1) this.#head = [concatBytes(this.#head, this.#headBytes)];
    return this.#head[0] ?? new Uint8Array(0);
  }

  #start(): void {
    const head = this.#joinHead();
    this.#head = [];
    this.#layout = planVolume(parseNiftiHeader(head, this.#path), this.#path, this.#options, this.#limit);
    this.#accept(head);
  }

  /** The part of `chunk` (at the current file offset) inside the chosen volume goes into the result. */
  #accept(chunk: Uint8Array): void {
    const { begin, end, direct } = this.#layout!;
    const from = Math.max(begin, this.#offset);
    const to = Math.min(end, this.#offset + chunk.length);
    if (from < to) {
      const part = chunk.subarray(from - this.#offset, to - this.#offset);
      if (direct) direct.set(part, from - begin);
      else this.#stageBytes(part);
    }
    this.#offset += chunk.length;
  }

  #stageBytes(part: Uint8Array): void {
    for (let at = 0; at < part.length; ) {
      const n = Math.min(STAGE_BYTES - this.#staged, part.length - at);
      this.#stage.set(part.subarray(at, at + n), this.#staged);
      this.#staged += n;
      at += n;
      if (this.#staged === STAGE_BYTES) this.#flushStage();
    }
  }

  #flushStage(): void {
    const { datatype, data, swap, scale } = this.#layout!;
    const bytes = this.#stage.subarray(0, this.#staged);
    if (swap) swapByteOrder(bytes, datatype.bytes);
    const source = fileValues(bytes, datatype);
    const at = this.#converted;
    if (source instanceof BigInt64Array || source instanceof BigUint64Array) {
      for (let i = 0; i < source.length; i++) data[at + i] = scale ? Number(source[i]) * scale.slope + scale.inter : Number(source[i]);
    } else if (scale) {
      for (let i = 0; i < source.length; i++) data[at + i] = source[i] * scale.slope + scale.inter;
    } else {
      data.set(source, at);
    }
    this.#converted += source.length;
    this.#staged = 0;
  }
}

function concatBytes(parts: Uint8Array[], length: number): Uint8Array {
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function truncated(path: string, layout: Pick<VolumeLayout, 'header' | 'datatype' | 'begin' | 'end'>, what: string): DataError {
  const { header, datatype, begin, end } = layout;
  return new DataError(path, `truncated: voxel data needs bytes ${begin}..${end} but ${what} (dim ${header.dim.slice(1, header.dim[0] + 1).join('×')}, ${datatype.name})`);
}

/** Where the chosen volume's bytes are, and the array they become (allocated only when the file can hold them). */
function planVolume(header: NiftiHeader, path: string, options: ImageReadOptions, limit: FileChunks['limit']): VolumeLayout {
  const datatype = niftiDatatypeByCode(header.datatype);
  if (!datatype) throw new DataError(path, `unsupported NIfTI datatype ${describeNiftiDatatypeCode(header.datatype)}`);
  const dims = volumeDims(header, path);
  const [nx, ny, nz, nt, nc] = dims;
  const volumeIndex = chooseVolume(nt, nc, options, path);
  const voxelCount = nx * ny * nz;
  const dataStart = Math.max(header.voxOffset, niftiHeaderSize(header.version) + 4);
  const begin = dataStart + volumeIndex * voxelCount * datatype.bytes;
  const end = begin + voxelCount * datatype.bytes;
  if (end > limit.bytes) throw truncated(path, { header, datatype, begin, end }, limit.description);
  const scale = voxelScaling(header, path);
  const type = resultType(datatype, scale !== undefined, options.dtype);
  let data: VoxelArray;
  try {
    data = allocateVoxels(type, voxelCount);
  } catch (error) {
    throw new DataError(path, `cannot hold ${voxelCount} voxels of ${type} in memory (${(error as Error).message})`, { cause: error });
  }
  const direct = type === datatype.name ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : undefined;
  return { header, datatype, dims, begin, end, data, direct, swap: header.littleEndian !== hostIsLittleEndian, scale };
}

/**
 * nibabel's rule: a slope of 0 or NaN means unscaled (nibabel writes NaN for
 * unscaled data), and then the intercept is ignored. An infinite slope, or a
 * non-finite intercept beside a valid slope, is an error.
 */
function voxelScaling(header: NiftiHeader, path: string): { slope: number; inter: number } | undefined {
  const { sclSlope, sclInter } = header;
  if (sclSlope === 0 || Number.isNaN(sclSlope)) return undefined;
  if (!Number.isFinite(sclSlope)) throw new DataError(path, `invalid scl_slope ${sclSlope}: it must be finite (0 or NaN for unscaled data)`);
  if (!Number.isFinite(sclInter)) throw new DataError(path, `invalid scl_inter ${sclInter} beside scl_slope ${sclSlope}: it must be finite`);
  if (sclSlope === 1 && sclInter === 0) return undefined;
  return { slope: sclSlope, inter: sclInter };
}

function resultType(datatype: NiftiDatatype, scaled: boolean, dtype: ImageReadOptions['dtype']): VoxelType {
  if (dtype === 'float32') return 'float32';
  if (scaled) return datatype.bytes >= 4 && datatype.name !== 'float32' ? 'float64' : 'float32';
  return datatype.name === 'int64' || datatype.name === 'uint64' ? 'float64' : datatype.name;
}

/** (nx, ny, nz, timepoints, components); dimensions 6 and 7 must be 1. */
function volumeDims(header: NiftiHeader, path: string): number[] {
  const ndim = header.dim[0];
  if (!(ndim >= 1 && ndim <= 7)) throw new DataError(path, `invalid dim[0] = ${ndim} (expected 1..7)`);
  const dims = Array.from({ length: 7 }, (_, i) => (i < ndim ? header.dim[i + 1] : 1));
  const bad = dims.findIndex((d) => !Number.isInteger(d) || d < 1);
  if (bad >= 0) throw new DataError(path, `invalid dim[${bad + 1}] = ${dims[bad]}`);
  if (dims[5] > 1 || dims[6] > 1) {
    throw new DataError(path, `${ndim}-D volume ${dims.slice(0, ndim).join('×')} is not supported (dimensions 6 and 7 must be 1)`);
  }
  return dims.slice(0, 5);
}

function chooseVolume(nt: number, nc: number, options: ImageReadOptions, path: string): number {
  const pick = (count: number, index: number | undefined, what: string, option: string): number => {
    if (index === undefined) {
      if (count === 1) return 0;
      throw new DataError(path, `has ${count} ${what}s (a ${what === 'timepoint' ? '4' : '5'}-D volume); pass { ${option}: 0..${count - 1} } to read one`);
    }
    if (!Number.isInteger(index) || index < 0 || index >= count) {
      throw new DataError(path, `${option} ${index} is out of range: the file has ${count} ${what}s`);
    }
    return index;
  };
  const t = pick(nt, options.timepoint, 'timepoint', 'timepoint');
  const c = pick(nc, options.component, 'component', 'component');
  return t + nt * c;
}

/** The staged bytes (aligned: the stage is its own buffer) as the file's element type. */
function fileValues(bytes: Uint8Array, datatype: NiftiDatatype): VoxelArray | BigInt64Array | BigUint64Array {
  const { buffer, byteOffset } = bytes;
  const length = bytes.length / datatype.bytes;
  if (datatype.name === 'int64') return new BigInt64Array(buffer, byteOffset, length);
  if (datatype.name === 'uint64') return new BigUint64Array(buffer, byteOffset, length);
  return viewVoxels(datatype.name, bytes);
}

function checkFinite(data: VoxelArray, policy: NonFinitePolicy, [nx, ny]: number[], path: string): VoxelArray {
  if (policy === 'keep' || !(data instanceof Float32Array || data instanceof Float64Array)) return data;
  let count = 0;
  let first = -1;
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      if (first < 0) first = i;
      count++;
      if (policy === 'zero') data[i] = 0;
    }
  }
  if (count > 0 && policy === 'error') {
    const voxel = [first % nx, Math.floor(first / nx) % ny, Math.floor(first / (nx * ny))];
    throw new DataError(
      path,
      `${count} of ${data.length} voxels are NaN or infinite (first ${data[first]} at voxel (${voxel.join(', ')})); ` +
        `pass { nonFinite: 'zero' } to replace them with 0 or { nonFinite: 'keep' } to keep them`,
    );
  }
  return data;
}
