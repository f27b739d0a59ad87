import { readdir, stat } from 'node:fs/promises';
import { DataError } from '../data_error.js';
import type { Image } from '../image.js';
import { readDicomSeries } from './dicom_series.js';
import type { ImageReadOptions } from './image_read_options.js';
import { readNifti } from './nifti_reader.js';
import { type NiftiWriteOptions, writeNifti } from './nifti_writer.js';

const NIFTI_NAME = /\.nii(\.gz)?$/i;

/** Reads a volume: a .nii/.nii.gz file, or a folder holding one DICOM series. */
export async function loadImage(path: string, options: ImageReadOptions = {}): Promise<Image> {
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    throw new DataError(path, 'no such file or folder', { cause: error });
  }
  if (info.isDirectory()) {
    if ((await readdir(path)).length === 0) throw new DataError(path, 'folder is empty');
    return readDicomSeries(path, options);
  }
  if (!NIFTI_NAME.test(path)) throw new DataError(path, 'unsupported file type: expected .nii, .nii.gz or a DICOM folder');
  return readNifti(path, options);
}

/** Writes a volume as .nii or .nii.gz (chosen by the path's ending). */
export async function saveImage(image: Image, path: string, options: NiftiWriteOptions = {}): Promise<void> {
  if (!NIFTI_NAME.test(path)) throw new DataError(path, 'unsupported output type: expected a .nii or .nii.gz path');
  await writeNifti(image, path, options);
}
