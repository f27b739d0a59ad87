import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DataError } from '../data-error.js';
import { isDicomFile } from '../io/dicom-slice.js';
import type { DatasetEntry } from './dataset-entry.js';

const NIFTI_NAME = /\.nii(\.gz)?$/i;

/**
 * The unlabelled volumes of a folder, in name order: its .nii/.nii.gz files
 * and its sub-folders that hold DICOM files (one series each).
 */
export async function listVolumeFolder(folder: string): Promise<DatasetEntry[]> {
  let entries;
  try {
    entries = await readdir(folder, { withFileTypes: true });
  } catch (error) {
    throw new DataError(folder, `cannot list folder (${(error as NodeJS.ErrnoException).code ?? error})`, { cause: error });
  }
  const volumes: DatasetEntry[] = [];
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(folder, entry.name);
    if (entry.isFile() && NIFTI_NAME.test(entry.name)) volumes.push({ image: path });
    else if (entry.isDirectory() && (await holdsDicom(path))) volumes.push({ image: path });
  }
  if (volumes.length === 0) throw new DataError(folder, 'contains no .nii/.nii.gz volumes or DICOM sub-folders');
  return volumes;
}

async function holdsDicom(folder: string): Promise<boolean> {
  for (const entry of await readdir(folder, { withFileTypes: true })) {
    if (entry.isFile() && (await isDicomFile(join(folder, entry.name)))) return true;
  }
  return false;
}
