import { DataError } from '../data_error.js';
import { isDicomFile } from '../io/dicom_slice.js';
import { type FolderEntry, listFolder } from '../io/folder_entries.js';
import type { DatasetEntry } from './dataset_entry.js';

const NIFTI_NAME = /\.nii(\.gz)?$/i;

/**
 * The unlabelled volumes of a folder, in name order, symbolic links followed:
 * its .nii/.nii.gz files and its sub-folders that hold DICOM files (one series
 * each). A folder that holds DICOM files itself is one volume (a series folder
 * given directly).
 */
export async function listVolumeFolder(folder: string): Promise<DatasetEntry[]> {
  const entries = await listFolder(folder);
  if (await holdsDicom(entries)) return [{ image: folder }];
  const volumes: DatasetEntry[] = [];
  for (const entry of entries) {
    if (entry.isFile && NIFTI_NAME.test(entry.name)) volumes.push({ image: entry.path });
    else if (entry.isDirectory && (await holdsDicom(await listFolder(entry.path)))) volumes.push({ image: entry.path });
  }
  if (volumes.length === 0) throw new DataError(folder, 'contains no .nii/.nii.gz volumes, DICOM sub-folders or DICOM files');
  return volumes;
}

async function holdsDicom(entries: readonly FolderEntry[]): Promise<boolean> {
  for (const entry of entries) {
    if (entry.isFile && (await isDicomFile(entry.path))) return true;
  }
  return false;
}
