export { DataError } from './data_error.js';
export type { Ijk, StorageShape, Xyz } from './axis_order.js';
export { Image } from './image.js';
export { type VoxelArray, type VoxelType, allocateVoxels, voxelTypeOf } from './voxel_array.js';
export { SeededRandom, type SeededRandomState } from './seeded_random.js';

export * from './geometry/affine.js';
export { type AxisOrientation, type Reorientation, axisCodes, orientationOf, reorient, reorientLike, reorientation, toCanonical } from './geometry/orientation.js';
export { assertSameGrid } from './geometry/same_grid.js';

export type { ImageReadOptions, NonFinitePolicy } from './io/image_read_options.js';
export { loadImage, saveImage } from './io/load_image.js';
export { decodeNifti, readNifti } from './io/nifti_reader.js';
export { type NiftiWriteOptions, encodeNifti, writeNifti } from './io/nifti_writer.js';
export { type NiftiExtension, type NiftiHeader, createNiftiHeader, parseNiftiHeader } from './io/nifti_header.js';
export { type NiftiDatatypeName, supportedNiftiDatatypeNames } from './io/nifti_datatype.js';
export { niftiAffine } from './io/nifti_affine.js';
export { type DicomSeries, listDicomSeries, readDicomSeries } from './io/dicom_series.js';

export * from './intensity/index.js';

export type { DatasetEntry } from './datasets/dataset_entry.js';
export { type DecathlonList, readDecathlonList } from './datasets/decathlon_list.js';
export { listVolumeFolder } from './datasets/volume_folder.js';
export { type Fold, kFoldSplits } from './datasets/k_fold.js';
export { asLabelImage } from './datasets/label_image.js';
export { type CaseFailure, type CaseLoadOptions, type LoadedCase, loadCase, loadCases } from './datasets/dataset_cases.js';

export { type AbdominalPhantom, type AbdominalPhantomOptions, generateAbdominalPhantom, phantomSpacing } from './phantoms/abdominal_phantom.js';
export { type PhantomClassName, phantomClassNames, phantomClasses } from './phantoms/phantom_classes.js';
export { phantomCaseId, writePhantomDataset } from './phantoms/phantom_dataset.js';
export * as transforms from './transforms/index.js';
export { type EpochBatching, batchVolumeIndices, defaultStepsPerEpoch } from './datasets/epoch_batches.js';
