export { type ImageGrid, canonicalTensor, imageToTensor, tensorToImage } from './volume_tensor.js';
export { resampleToSpacing, resampleToSize, resampledShape } from './resample.js';
export { type Box, foregroundBox, cropBox, padToAtLeast, randomCropBox, centredCropBox } from './crop.js';
export { type Pair, randomFlip, randomRotate90, randomScaleIntensity, randomShiftIntensity, balancedCropBoxes, classBalancedCropBoxes } from './augment.js';
export { labelToSourceGrid } from './source_grid.js';
