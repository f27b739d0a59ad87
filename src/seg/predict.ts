import * as T from '../engine/index.js';
import type { Tensor } from '../engine/index.js';
import type { SmitSegmenter } from '../models/index.js';
import { type BlendMode, slidingWindowArgmax } from './inferer/index.js';
import type { PreparedScan, SegRecipe } from './recipe.js';

export interface WindowSettings {
  overlap: number;
  blend: BlendMode;
  swBatchSize: number;
}

/** Sliding-window segmentation of a prepared scan, the window being the training crop: uint8 labels [X, Y, Z]. */
export function predictLabels(model: SmitSegmenter, scan: PreparedScan, recipe: SegRecipe, w: WindowSettings, onProgress?: (done: number, total: number) => void): Tensor {
  const wasTraining = model.training;
  model.eval();
  try {
    return T.noGrad(
      () =>
        slidingWindowArgmax(scan.image, (windows) => model.forward(windows), {
          roiSize: recipe.crop,
          overlap: w.overlap,
          blend: w.blend,
          swBatchSize: w.swBatchSize,
          onProgress,
        }).labels,
    );
  } finally {
    model.train(wasTraining);
  }
}
