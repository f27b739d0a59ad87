/** One case of a dataset: an image path (file or DICOM folder) and, when labelled, its label map path. */
export interface DatasetEntry {
  image: string;
  label?: string;
}
