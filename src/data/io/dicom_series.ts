import { DataError } from '../data_error.js';
import { identityAffine } from '../geometry/affine.js';
import { Image } from '../image.js';
import type { VoxelArray } from '../voxel_array.js';
import { type DicomSlice, decodeStoredPixels, isDicomFile, readDicomSlice } from './dicom_slice.js';
import { listFolder } from './folder_entries.js';
import type { ImageReadOptions } from './image_read_options.js';

/** A series found in a folder: its UID ('' when the files carry none) and slices. */
export interface DicomSeries {
  seriesInstanceUID: string;
  description: string;
  modality: string;
  slices: DicomSlice[];
}

/** The image series among the folder's DICOM files (non-DICOM files are ignored), grouped by SeriesInstanceUID. */
export async function listDicomSeries(folder: string): Promise<DicomSeries[]> {
  const groups = new Map<string, DicomSeries>();
  for (const { path, isFile } of await listFolder(folder)) {
    if (!isFile || !(await isDicomFile(path))) continue;
    const slice = await readDicomSlice(path);
    if (!slice) continue;
    let series = groups.get(slice.seriesInstanceUID);
    if (!series) {
      series = { seriesInstanceUID: slice.seriesInstanceUID, description: slice.seriesDescription, modality: slice.modality, slices: [] };
      groups.set(slice.seriesInstanceUID, series);
    }
    series.slices.push(slice);
  }
  return [...groups.values()];
}

function describeSeries(series: DicomSeries): string {
  const name = series.seriesInstanceUID || '(no SeriesInstanceUID)';
  const about = [series.modality, series.description && `"${series.description}"`].filter(Boolean).join(' ');
  return `${name}: ${series.slices.length} slices${about ? `, ${about}` : ''}`;
}

/**
 * Reads a folder of single-frame DICOM slices as one volume: slices sorted
 * along the slice normal by ImagePositionPatient·normal, stored values
 * rescaled by each slice's RescaleSlope/Intercept (integer results stay
 * int16/int32, others become float32), geometry converted from DICOM's LPS
 * to RAS. Voxel (i, j, k) is column i, row j of the k-th slice.
 */
export async function readDicomSeries(folder: string, options: ImageReadOptions = {}): Promise<Image> {
  const all = await listDicomSeries(folder);
  if (all.length === 0) throw new DataError(folder, 'contains no DICOM image files');
  let series: DicomSeries | undefined;
  if (options.seriesInstanceUID !== undefined) {
    series = all.find((s) => s.seriesInstanceUID === options.seriesInstanceUID);
    if (!series) {
      throw new DataError(folder, `has no series ${options.seriesInstanceUID}; it holds ${all.map(describeSeries).join('; ')}`);
    }
  } else if (all.length > 1) {
    throw new DataError(
      folder,
      `holds ${all.length} DICOM series (${all.map(describeSeries).join('; ')}); pass { seriesInstanceUID } to choose one`,
    );
  } else {
    series = all[0];
  }
  return seriesToImage(series.slices, folder, options.dtype);
}

function cross(a: number[], b: number[]): number[] {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}

function dot(a: number[], b: number[]): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

async function seriesToImage(unsorted: DicomSlice[], folder: string, dtype: ImageReadOptions['dtype']): Promise<Image> {
  const first = unsorted[0];
  for (const slice of unsorted) {
    if (slice.rows !== first.rows || slice.columns !== first.columns) {
      throw new DataError(folder, `slices differ in size: ${first.columns}×${first.rows} in ${first.path}, ${slice.columns}×${slice.rows} in ${slice.path}`);
    }
    if (slice.orientation.some((v, i) => Math.abs(v - first.orientation[i]) > 1e-4)) {
      throw new DataError(folder, `slices differ in orientation: ${first.path} and ${slice.path}`);
    }
  }
  const rowDirection = first.orientation.slice(0, 3);
  const columnDirection = first.orientation.slice(3, 6);
  const normal = cross(rowDirection, columnDirection);
  const slices = unsorted
    .map((slice) => ({ slice, distance: dot(slice.position, normal) }))
    .sort((a, b) => a.distance - b.distance);

  const [rowSpacing, columnSpacing] = first.pixelSpacing;
  let sliceStep: number[];
  if (slices.length > 1) {
    const gaps = slices.slice(1).map((s, k) => s.distance - slices[k].distance);
    const mean = (slices[slices.length - 1].distance - slices[0].distance) / (slices.length - 1);
    const duplicate = gaps.findIndex((g) => Math.abs(g) < 1e-4 * Math.max(rowSpacing, 1));
    if (duplicate >= 0) {
      throw new DataError(
        folder,
        `${slices[duplicate].slice.path} and ${slices[duplicate + 1].slice.path} lie at the same position: the series holds several volumes (echoes, phases, ...)`,
      );
    }
    if (gaps.some((g) => Math.abs(g - mean) > 0.01 * mean)) {
      throw new DataError(folder, `slice gaps are not uniform (${Math.min(...gaps)} to ${Math.max(...gaps)} mm)`);
    }
    const last = slices[slices.length - 1].slice.position;
    // The mean step between first and last slice, which also carries a gantry tilt (a sheared grid).
    sliceStep = [0, 1, 2].map((a) => (last[a] - slices[0].slice.position[a]) / (slices.length - 1));
  } else {
    sliceStep = normal.map((n) => n * (first.sliceThickness > 0 ? first.sliceThickness : 1));
  }

  const origin = slices[0].slice.position;
  const affine = identityAffine();
  for (let r = 0; r < 3; r++) {
    // LPS → RAS: the world x and y rows change sign.
    const sign = r < 2 ? -1 : 1;
    affine[r * 4] = sign * rowDirection[r] * columnSpacing || 0;
    affine[r * 4 + 1] = sign * columnDirection[r] * rowSpacing || 0;
    affine[r * 4 + 2] = sign * sliceStep[r] || 0;
    affine[r * 4 + 3] = sign * origin[r] || 0;
  }

  const data = await rescaledVoxels(slices.map((s) => s.slice), first.rows * first.columns, dtype);
  return new Image({ data, shape: [slices.length, first.rows, first.columns], affine, source: folder });
}

async function rescaledVoxels(slices: DicomSlice[], sliceSize: number, dtype: ImageReadOptions['dtype']): Promise<VoxelArray> {
  const stored = [];
  for (const slice of slices) stored.push(await decodeStoredPixels(slice));
  const integral = dtype !== 'float32' && slices.every((s) => Number.isInteger(s.rescaleSlope) && Number.isInteger(s.rescaleIntercept));
  let min = Infinity;
  let max = -Infinity;
  if (integral) {
    stored.forEach((pixels, k) => {
      const { rescaleSlope: slope, rescaleIntercept: intercept } = slices[k];
      for (let i = 0; i < pixels.length; i++) {
        const v = pixels[i] * slope + intercept;
        if (v < min) min = v;
        if (v > max) max = v;
      }
    });
  }
  const out = !integral
    ? new Float32Array(slices.length * sliceSize)
    : min >= -32768 && max <= 32767
      ? new Int16Array(slices.length * sliceSize)
      : new Int32Array(slices.length * sliceSize);
  stored.forEach((pixels, k) => {
    const { rescaleSlope: slope, rescaleIntercept: intercept } = slices[k];
    const offset = k * sliceSize;
    for (let i = 0; i < sliceSize; i++) out[offset + i] = pixels[i] * slope + intercept;
  });
  return out;
}
