export {
  slidingWindowInference,
  slidingWindowArgmax,
  importanceMap,
  scanInterval,
  windowStarts,
} from './sliding_window.js';
export type {
  BlendMode,
  Predictor,
  SlidingWindowArgmaxOptions,
  SlidingWindowArgmaxResult,
  SlidingWindowOptions,
} from './sliding_window.js';
