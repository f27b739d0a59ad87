// Segmentation fine-tuning losses.
export { DiceCELoss, diceCELoss } from './dice_ce.js';
export type { DiceCELossTerms, DiceCEOptions } from './dice_ce.js';
