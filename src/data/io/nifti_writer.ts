import { DataError } from '../data_error.js';
import type { Image } from '../image.js';
import { type VoxelArray, voxelTypeOf } from '../voxel_array.js';
import { hostIsLittleEndian, swapByteOrder } from './byte_order.js';
import { writeFileBytes } from './file_bytes.js';
import { withNiftiAffine } from './nifti_affine.js';
import { type NiftiDatatype, type NiftiDatatypeName, niftiDatatypeByName } from './nifti_datatype.js';
import { type NiftiHeader, createNiftiHeader, serializeNiftiHeader } from './nifti_header.js';

export interface NiftiWriteOptions {
  /** Stored datatype; defaults to the image's own. Integer targets round and must hold every value. */
  datatype?: NiftiDatatypeName;
  /** NIfTI version; defaults to the source header's, else 1. */
  version?: 1 | 2;
}

/** Writes the image as NIfTI; `.gz` at the end of the path compresses it. */
export async function writeNifti(image: Image, path: string, options: NiftiWriteOptions = {}): Promise<void> {
  await writeFileBytes(path, encodeNifti(image, options, path));
}

/**
 * The image as an uncompressed single-file NIfTI. The image's source header is
 * kept (byte order, units, intent, description, extensions, ...) with shape,
 * datatype, affine (sform and qform) replaced and scaling reset to none, so a
 * prediction saved with its input's header lines up with it in any viewer.
 */
export function encodeNifti(image: Image, options: NiftiWriteOptions = {}, path = image.source ?? 'image'): Uint8Array {
  const datatype = niftiDatatypeByName(options.datatype ?? voxelTypeOf(image.data));
  const source = image.header ?? createNiftiHeader();
  const version = options.version ?? source.version;
  const [nx, ny, nz] = image.size;
  if (version === 1 && Math.max(nx, ny, nz) > 32767) {
    throw new DataError(path, `dimensions ${nx}×${ny}×${nz} exceed NIfTI-1's 32767; write NIfTI-2 ({ version: 2 })`);
  }
  const sameDatatype = source.datatype === datatype.code;
  const header: NiftiHeader = withNiftiAffine(
    {
      ...source,
      version,
      datatype: datatype.code,
      bitpix: datatype.bytes * 8,
      dim: [3, nx, ny, nz, 1, 1, 1, 1],
      sclSlope: 1,
      sclInter: 0,
      // A display window chosen for the source's values means nothing for another datatype (say, labels).
      calMin: sameDatatype ? source.calMin : 0,
      calMax: sameDatatype ? source.calMax : 0,
    },
    image.affine,
  );
  const { bytes: headerBytes, voxOffset } = serializeNiftiHeader(header);
  const voxels = voxelBytes(image.data, datatype, path);
  if (header.littleEndian !== hostIsLittleEndian) swapByteOrder(voxels, datatype.bytes);
  const out = new Uint8Array(voxOffset + voxels.length);
  out.set(headerBytes);
  out.set(voxels, voxOffset);
  return out;
}

/** The voxels converted to the datatype, as a fresh byte array in host order. */
function voxelBytes(data: VoxelArray, datatype: NiftiDatatype, path: string): Uint8Array {
  if (datatype.name === voxelTypeOf(data)) {
    return new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
  }
  const out = new ArrayBuffer(data.length * datatype.bytes);
  if (!datatype.integer) {
    (datatype.name === 'float32' ? new Float32Array(out) : new Float64Array(out)).set(data);
    return new Uint8Array(out);
  }
  const target = integerArray(out, datatype);
  const wide = datatype.bytes === 8;
  for (let i = 0; i < data.length; i++) {
    const value = Math.round(data[i]);
    if (!(value >= datatype.min && value <= datatype.max)) {
      throw new DataError(path, `voxel ${i} holds ${data[i]}, which does not fit ${datatype.name}`);
    }
    target[i] = wide ? BigInt(value) : value;
  }
  return new Uint8Array(out);
}

function integerArray(buffer: ArrayBuffer, datatype: NiftiDatatype): { [index: number]: number | bigint } {
  switch (datatype.name) {
    case 'uint8': return new Uint8Array(buffer);
    case 'int8': return new Int8Array(buffer);
    case 'int16': return new Int16Array(buffer);
    case 'uint16': return new Uint16Array(buffer);
    case 'int32': return new Int32Array(buffer);
    case 'uint32': return new Uint32Array(buffer);
    case 'int64': return new BigInt64Array(buffer);
    default: return new BigUint64Array(buffer);
  }
}
