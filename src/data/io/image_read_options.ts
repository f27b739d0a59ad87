/** What to do with NaN or ±Inf voxels: fail (the default), keep them, or set them to 0. */
export type NonFinitePolicy = 'error' | 'keep' | 'zero';

export interface ImageReadOptions {
  /** Index along the 4th (time) dimension of a 4-D/5-D NIfTI; required when it has more than one. */
  timepoint?: number;
  /** Index along the 5th (vector component / channel) dimension; required when it has more than one. */
  component?: number;
  nonFinite?: NonFinitePolicy;
  /**
   * 'float32' converts the voxels (after scl_slope/rescale) to float32 as they
   * are read, as nibabel's `np.asarray(img.dataobj, dtype=np.float32)`: the
   * networks' input type, at half a float64 file's memory and without a later
   * copy. Default: the file's own type (see `readNifti`).
   */
  dtype?: 'float32';
  /** The series to read from a DICOM folder that holds several. */
  seriesInstanceUID?: string;
}
