import { open, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type * as DicomParser from 'dicom-parser';
import { DataError } from '../data_error.js';
import { decodeJpeg2000 } from './jpeg2000.js';

const dicomParser = createRequire(import.meta.url)('dicom-parser') as typeof DicomParser;

const transferSyntaxes: Record<string, string> = {
  '1.2.840.10008.1.2': 'implicit VR little endian',
  '1.2.840.10008.1.2.1': 'explicit VR little endian',
  '1.2.840.10008.1.2.4.90': 'JPEG 2000 lossless',
  '1.2.840.10008.1.2.4.91': 'JPEG 2000',
};

/** One single-frame DICOM image file, with the attributes a volume is built from. */
export interface DicomSlice {
  path: string;
  /** (0020,000E); empty when the file has none (anonymised data). */
  seriesInstanceUID: string;
  seriesDescription: string;
  modality: string;
  rows: number;
  columns: number;
  /** ImageOrientationPatient: direction of increasing column index, then of increasing row index (LPS). */
  orientation: number[];
  /** ImagePositionPatient: centre of the first pixel (LPS, mm). */
  position: number[];
  /** PixelSpacing: (between rows, between columns) in mm. */
  pixelSpacing: [number, number];
  sliceThickness: number;
  rescaleSlope: number;
  rescaleIntercept: number;
  transferSyntax: string;
  dataSet: DicomParser.DataSet;
}

/** Stored pixel values of a slice (before rescale), row-major. */
export type StoredPixels = Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array;

/** Whether the file starts with the DICOM Part 10 preamble ("DICM" at byte 128). */
export async function isDicomFile(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const head = new Uint8Array(132);
    const { bytesRead } = await handle.read(head, 0, 132, 0);
    return bytesRead === 132 && String.fromCharCode(...head.subarray(128, 132)) === 'DICM';
  } finally {
    await handle.close();
  }
}

function numbers(dataSet: DicomParser.DataSet, tag: string): number[] {
  const text = dataSet.string(tag);
  return text ? text.split('\\').map(Number) : [];
}

function required(values: number[], count: number, name: string, path: string): number[] {
  if (values.length !== count || values.some((v) => !Number.isFinite(v))) {
    throw new DataError(path, `missing or invalid ${name}${values.length ? ` (${values.join('\\')})` : ''}`);
  }
  return values;
}

/**
 * Parses a DICOM file; undefined when it holds no image (DICOMDIR, structured
 * report, ...). A file that describes an image (Rows, ImagePositionPatient)
 * but lacks its pixel data is an error, so a series is never silently short.
 */
export async function readDicomSlice(path: string): Promise<DicomSlice | undefined> {
  const bytes = new Uint8Array(await readFile(path));
  let dataSet: DicomParser.DataSet;
  try {
    dataSet = dicomParser.parseDicom(bytes);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String((error as { exception?: unknown }).exception ?? error);
    throw new DataError(path, `cannot parse DICOM: ${reason}`, { cause: error });
  }
  if (!dataSet.elements.x7fe00010) {
    if (dataSet.elements.x00280010 || dataSet.elements.x00200032) throw new DataError(path, 'image slice without pixel data (7FE0,0010): truncated or incomplete file?');
    return undefined;
  }
  const frames = dataSet.intString('x00280008') ?? 1;
  if (frames > 1) throw new DataError(path, `multi-frame DICOM (${frames} frames) is not supported`);
  const samplesPerPixel = dataSet.uint16('x00280002') ?? 1;
  if (samplesPerPixel !== 1) throw new DataError(path, `${samplesPerPixel} samples per pixel (colour) is not supported`);
  const transferSyntax = dataSet.string('x00020010') ?? '';
  if (!transferSyntaxes[transferSyntax]) {
    throw new DataError(
      path,
      `unsupported transfer syntax ${transferSyntax || '(none)'}; supported: ${Object.entries(transferSyntaxes)
        .map(([uid, name]) => `${uid} (${name})`)
        .join(', ')}`,
    );
  }
  const pixelSpacing = required(numbers(dataSet, 'x00280030'), 2, 'PixelSpacing (0028,0030)', path);
  if (pixelSpacing.some((v) => v <= 0)) throw new DataError(path, `PixelSpacing (0028,0030) ${pixelSpacing.join('\\')} must be positive`);
  const orientation = required(numbers(dataSet, 'x00200037'), 6, 'ImageOrientationPatient (0020,0037)', path);
  const [rx, ry, rz, cx, cy, cz] = orientation;
  if (Math.abs(Math.hypot(rx, ry, rz) - 1) > 1e-3 || Math.abs(Math.hypot(cx, cy, cz) - 1) > 1e-3 || Math.abs(rx * cx + ry * cy + rz * cz) > 1e-3) {
    throw new DataError(path, `ImageOrientationPatient (0020,0037) ${orientation.join('\\')} is not two orthogonal unit vectors`);
  }
  return {
    path,
    seriesInstanceUID: dataSet.string('x0020000e') ?? '',
    seriesDescription: dataSet.string('x0008103e') ?? '',
    modality: dataSet.string('x00080060') ?? '',
    rows: required([dataSet.uint16('x00280010') ?? NaN], 1, 'Rows (0028,0010)', path)[0],
    columns: required([dataSet.uint16('x00280011') ?? NaN], 1, 'Columns (0028,0011)', path)[0],
    orientation,
    position: required(numbers(dataSet, 'x00200032'), 3, 'ImagePositionPatient (0020,0032)', path),
    pixelSpacing: [pixelSpacing[0], pixelSpacing[1]],
    sliceThickness: dataSet.floatString('x00180050') ?? 0,
    rescaleSlope: dataSet.floatString('x00281053') ?? 1,
    rescaleIntercept: dataSet.floatString('x00281052') ?? 0,
    transferSyntax,
    dataSet,
  };
}

/** Decodes the slice's stored pixel values. */
export async function decodeStoredPixels(slice: DicomSlice): Promise<StoredPixels> {
  const { dataSet, path, rows, columns } = slice;
  const element = dataSet.elements.x7fe00010;
  const count = rows * columns;
  if (slice.transferSyntax.startsWith('1.2.840.10008.1.2.4.9')) {
    let frame;
    try {
      const encoded = dicomParser.readEncapsulatedPixelDataFromFragments(dataSet, element, 0, element.fragments?.length);
      frame = await decodeJpeg2000(encoded);
    } catch (error) {
      throw new DataError(path, `cannot decode JPEG 2000 pixel data: ${(error as Error).message ?? error}`, { cause: error });
    }
    if (frame.width !== columns || frame.height !== rows) {
      throw new DataError(path, `JPEG 2000 frame is ${frame.width}×${frame.height} but the header says ${columns}×${rows}`);
    }
    return frame.samples;
  }
  const bitsAllocated = dataSet.uint16('x00280100') ?? 16;
  const signed = (dataSet.uint16('x00280103') ?? 0) === 1;
  const bytesPerPixel = bitsAllocated / 8;
  if (![1, 2, 4].includes(bytesPerPixel)) throw new DataError(path, `BitsAllocated ${bitsAllocated} is not supported`);
  if (element.length < count * bytesPerPixel) {
    throw new DataError(path, `pixel data has ${element.length} bytes, ${count * bytesPerPixel} expected for ${columns}×${rows}×${bitsAllocated} bits`);
  }
  const start = dataSet.byteArray.byteOffset + element.dataOffset;
  const buffer = dataSet.byteArray.buffer.slice(start, start + count * bytesPerPixel) as ArrayBuffer;
  if (bytesPerPixel === 1) return signed ? new Int8Array(buffer) : new Uint8Array(buffer);
  if (bytesPerPixel === 2) return signed ? new Int16Array(buffer) : new Uint16Array(buffer);
  return signed ? new Int32Array(buffer) : new Uint32Array(buffer);
}
