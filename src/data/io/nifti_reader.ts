import { DataError } from '../data_error.js';
import { Image } from '../image.js';
import { type VoxelArray, viewVoxels } from '../voxel_array.js';
import { hostIsLittleEndian, swapByteOrder } from './byte_order.js';
import { readFileBytes } from './file_bytes.js';
import type { ImageReadOptions, NonFinitePolicy } from './image_read_options.js';
import { niftiAffine } from './nifti_affine.js';
import { type NiftiDatatype, describeNiftiDatatypeCode, niftiDatatypeByCode } from './nifti_datatype.js';
import { type NiftiHeader, niftiHeaderSize, parseNiftiHeader } from './nifti_header.js';

/** Reads a NIfTI-1 or NIfTI-2 file, plain or gzip-compressed. */
export async function readNifti(path: string, options: ImageReadOptions = {}): Promise<Image> {
  return decodeNifti(await readFileBytes(path), path, options);
}

/**
 * Decodes an uncompressed NIfTI file already in memory. Voxels are scaled by
 * scl_slope/scl_inter when those are set (then float32, or float64 for
 * 32/64-bit and float64 sources); 64-bit integers become float64 (exact up to
 * 2^53); `dtype: 'float32'` makes every type float32 instead. A 4-D/5-D file
 * gives the one volume chosen by the options. The image's voxels may be a view
 * into `bytes` (unscaled, aligned, host order, in the type read).
 */
export function decodeNifti(bytes: Uint8Array, path: string, options: ImageReadOptions = {}): Image {
  const header = parseNiftiHeader(bytes, path);
  const datatype = niftiDatatypeByCode(header.datatype);
  if (!datatype) throw new DataError(path, `unsupported NIfTI datatype ${describeNiftiDatatypeCode(header.datatype)}`);
  const [nx, ny, nz, nt, nc] = volumeDims(header, path);
  const volumeIndex = chooseVolume(nt, nc, options, path);
  const voxelCount = nx * ny * nz;
  const dataStart = Math.max(header.voxOffset, niftiHeaderSize(header.version) + 4);
  const begin = dataStart + volumeIndex * voxelCount * datatype.bytes;
  const end = begin + voxelCount * datatype.bytes;
  if (end > bytes.length) {
    throw new DataError(
      path,
      `truncated: voxel data needs bytes ${begin}..${end} but the file has ${bytes.length} (dim ${header.dim.slice(1, header.dim[0] + 1).join('×')}, ${datatype.name})`,
    );
  }
  const volume = bytes.subarray(begin, end);
  const inHostOrder = header.littleEndian === hostIsLittleEndian;
  // A 3-D file's voxels are nearly all of its bytes: view them in place rather than copy, when aligned.
  const inPlace = inHostOrder && nt * nc === 1 && (bytes.byteOffset + begin) % datatype.bytes === 0;
  const raw = inPlace ? volume : new Uint8Array(volume);
  if (!inHostOrder) swapByteOrder(raw, datatype.bytes);
  let data = scaleVoxels(typedView(raw, datatype), header, datatype, options.dtype, path);
  data = checkFinite(data, options.nonFinite ?? 'error', [nx, ny], path);
  let affine;
  try {
    affine = niftiAffine(header);
  } catch (error) {
    throw new DataError(path, `invalid geometry: ${(error as Error).message}`, { cause: error });
  }
  return new Image({ data, shape: [nz, ny, nx], affine, header, source: path });
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

function typedView(bytes: Uint8Array, datatype: NiftiDatatype): VoxelArray {
  const { buffer, byteOffset } = bytes;
  const length = bytes.length / datatype.bytes;
  if (datatype.name === 'int64') return Float64Array.from(new BigInt64Array(buffer, byteOffset, length), Number);
  if (datatype.name === 'uint64') return Float64Array.from(new BigUint64Array(buffer, byteOffset, length), Number);
  return viewVoxels(datatype.name, bytes);
}

/**
 * nibabel's rule: a slope of 0 or NaN means unscaled (nibabel writes NaN for
 * unscaled data), and then the intercept is ignored. An infinite slope, or a
 * non-finite intercept beside a valid slope, is an error.
 */
function scaleVoxels(data: VoxelArray, header: NiftiHeader, datatype: NiftiDatatype, dtype: ImageReadOptions['dtype'], path: string): VoxelArray {
  const { sclSlope, sclInter } = header;
  const unscaled = (): VoxelArray => (dtype === 'float32' && !(data instanceof Float32Array) ? Float32Array.from(data) : data);
  if (sclSlope === 0 || Number.isNaN(sclSlope)) return unscaled();
  if (!Number.isFinite(sclSlope)) throw new DataError(path, `invalid scl_slope ${sclSlope}: it must be finite (0 or NaN for unscaled data)`);
  if (!Number.isFinite(sclInter)) throw new DataError(path, `invalid scl_inter ${sclInter} beside scl_slope ${sclSlope}: it must be finite`);
  if (sclSlope === 1 && sclInter === 0) return unscaled();
  const wide = dtype !== 'float32' && datatype.bytes >= 4 && datatype.name !== 'float32';
  const out = wide ? new Float64Array(data.length) : new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = data[i] * sclSlope + sclInter;
  return out;
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
