export { DataError } from './data-error.js';
export { Image } from './image.js';
export { type VoxelArray, type VoxelType, allocateVoxels, voxelTypeOf } from './voxel-array.js';
export { SeededRandom, type SeededRandomState } from './seeded-random.js';

export * from './geometry/affine.js';
export { type AxisOrientation, axisCodes, orientationOf, reorient, reorientLike, toCanonical } from './geometry/orientation.js';
export { assertSameGrid } from './geometry/same-grid.js';

export type { ImageReadOptions, NonFinitePolicy } from './io/image-read-options.js';
export { loadImage, saveImage } from './io/load-image.js';
export { decodeNifti, readNifti } from './io/nifti-reader.js';
export { type NiftiWriteOptions, encodeNifti, writeNifti } from './io/nifti-writer.js';
export { type NiftiExtension, type NiftiHeader, createNiftiHeader, parseNiftiHeader } from './io/nifti-header.js';
export { type NiftiDatatypeName, supportedNiftiDatatypeNames } from './io/nifti-datatype.js';
export { niftiAffine } from './io/nifti-affine.js';
export { type DicomSeries, listDicomSeries, readDicomSeries } from './io/dicom-series.js';

export { type IntensityRange, scaleIntensityRange } from './intensity/scale-intensity-range.js';
export { percentiles } from './intensity/percentile.js';
export { type PercentileClip, clipToPercentiles } from './intensity/clip-to-percentiles.js';
export { zScoreNormalize } from './intensity/z-score.js';

export type { DatasetEntry } from './datasets/dataset-entry.js';
export { type DecathlonList, readDecathlonList } from './datasets/decathlon-list.js';
export { listVolumeFolder } from './datasets/volume-folder.js';
export { type Fold, kFoldSplits } from './datasets/k-fold.js';
export { asLabelImage } from './datasets/label-image.js';
export { type CaseFailure, type CaseLoadOptions, type LoadedCase, loadCase, loadCases } from './datasets/dataset-cases.js';

export { type AbdominalPhantom, type AbdominalPhantomOptions, generateAbdominalPhantom } from './phantoms/abdominal-phantom.js';
export { type PhantomClassName, phantomClassNames, phantomClasses } from './phantoms/phantom-classes.js';
export { writePhantomDataset } from './phantoms/phantom-dataset.js';
export * as transforms from './transforms/index.js';
