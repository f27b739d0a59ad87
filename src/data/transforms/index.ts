export { type Vec3, imageToTensor, spacingDHW } from './volume_tensor.js';
export { resampleToSpacing, resampleToSize, resampledShape } from './resample.js';
export { type Box, foregroundBox, cropBox, padToAtLeast, randomCropBox, centredCropBox } from './crop.js';
export { type BlockMask, blockMask } from './block_mask.js';
export { type Pair, randomFlip, randomRotate90, randomScaleIntensity, randomShiftIntensity, balancedCropBoxes } from './augment.js';
export {
  type IntensityWindow,
  type PretrainRecipe,
  CT_WINDOW,
  CT_PRETRAIN,
  applyWindow,
  applyPercentileScale,
  preprocessForPretraining,
  samplePretrainViews,
} from './pretrain_views.js';
export { labelToSourceGrid } from './source_grid.js';
