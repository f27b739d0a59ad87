import type { VoxelType } from '../voxel_array.js';

/** NIfTI datatypes this project reads and writes. */
export type NiftiDatatypeName = VoxelType | 'int64' | 'uint64';

export interface NiftiDatatype {
  name: NiftiDatatypeName;
  code: number;
  bytes: number;
  /** Whether values are integers. */
  integer: boolean;
  min: number;
  max: number;
}

const datatypes: readonly NiftiDatatype[] = [
  { name: 'uint8', code: 2, bytes: 1, integer: true, min: 0, max: 255 },
  { name: 'int16', code: 4, bytes: 2, integer: true, min: -32768, max: 32767 },
  { name: 'int32', code: 8, bytes: 4, integer: true, min: -2147483648, max: 2147483647 },
  { name: 'float32', code: 16, bytes: 4, integer: false, min: -3.4028234663852886e38, max: 3.4028234663852886e38 },
  { name: 'float64', code: 64, bytes: 8, integer: false, min: -Number.MAX_VALUE, max: Number.MAX_VALUE },
  { name: 'int8', code: 256, bytes: 1, integer: true, min: -128, max: 127 },
  { name: 'uint16', code: 512, bytes: 2, integer: true, min: 0, max: 65535 },
  { name: 'uint32', code: 768, bytes: 4, integer: true, min: 0, max: 4294967295 },
  { name: 'int64', code: 1024, bytes: 8, integer: true, min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER },
  { name: 'uint64', code: 1280, bytes: 8, integer: true, min: 0, max: Number.MAX_SAFE_INTEGER },
];

/** Names of the NIfTI datatypes that exist but that this project does not handle. */
const unsupportedNames: Record<number, string> = {
  1: 'binary',
  32: 'complex64',
  128: 'rgb24',
  1536: 'float128',
  1792: 'complex128',
  2048: 'complex256',
  2304: 'rgba32',
};

export function niftiDatatypeByCode(code: number): NiftiDatatype | undefined {
  return datatypes.find((d) => d.code === code);
}

export function niftiDatatypeByName(name: NiftiDatatypeName): NiftiDatatype {
  const found = datatypes.find((d) => d.name === name);
  if (!found) throw new Error(`unknown NIfTI datatype '${name}'`);
  return found;
}

export function describeNiftiDatatypeCode(code: number): string {
  const name = niftiDatatypeByCode(code)?.name ?? unsupportedNames[code];
  return name ? `${code} (${name})` : `${code}`;
}

export const supportedNiftiDatatypeNames: readonly NiftiDatatypeName[] = datatypes.map((d) => d.name);
