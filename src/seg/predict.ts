// The one sliding-window prediction of a prepared scan, shared by validation
// during fine-tuning, `smit segment` and the benchmarks: the window is the
// training crop; the network runs in eval mode without gradients on its device.
import * as T from '../engine/index.js';
import type { Tensor } from '../engine/index.js';
import { type SmitSegmenter, encoderStride } from '../models/index.js';
import { type BlendMode, type Predictor, type SlidingWindowArgmaxResult, slidingWindowArgmax } from './inferer/index.js';
import type { PreparedScan, SegRecipe } from './recipe.js';
import type { Ijk } from '../data/index.js';
import type { ResolvedPrecision } from '../engine/precision.js';

/**
 * The sliding window: 'crop' (the training crop, the official setting),
 * 'whole' (the prepared scan in one pass, each axis rounded up to the
 * network's stride) or a size (x, y, z voxels, multiples of the stride).
 */
export type WindowSize = 'crop' | 'whole' | Readonly<Ijk>;

export interface PredictOptions {
  /**
   * The window; default 'crop'. Larger ones need fewer passes but, measured,
   * lose much Dice: the published window layout depends on the grid (README, "Faster inference").
   */
  window?: WindowSize;
  /** Fraction of the window shared by neighbours, in [0, 1). Default 0.5 (SMIT-SPEC §3). */
  overlap?: number;
  /** Window blending: 'constant' (the official code, the default) or 'gaussian'. */
  blend?: BlendMode;
  /** Windows per forward pass. Default 4. */
  swBatchSize?: number;
  /**
   * Mirror test-time augmentation: each window is also predicted flipped along
   * every combination of the three axes and the 8 softmax outputs averaged —
   * 8 forward passes instead of 1, so about 8× the time.
   */
  tta?: boolean;
  /** Also return the softmax probabilities [K, X, Y, Z] (CPU). */
  probabilities?: boolean;
  /** Replaces the network (tests, other networks): maps windows [n, 1, …crop] to logits [n, K, …crop]. */
  predictor?: Predictor;
  /** The network's precision (`--precision` resolved); default 'fp32'. */
  precision?: ResolvedPrecision;
  /** Where the model lives; the scan is moved there window batch by window batch. Default 'cpu'. */
  device?: 'cpu' | 'cuda';
  /** Called as windows are predicted. */
  onProgress?: (done: number, total: number) => void;
}

export interface PredictResult extends SlidingWindowArgmaxResult {
  /** The window used (x, y, z voxels). */
  window: Readonly<Ijk>;
}

/** Sliding-window segmentation of a prepared scan: uint8 labels [X, Y, Z] on its grid, and the probabilities when asked. */
export function predictScan(model: SmitSegmenter, scan: PreparedScan, recipe: SegRecipe, options: PredictOptions = {}): PredictResult {
  const wasTraining = model.training;
  model.eval();
  const device = options.device ?? 'cpu';
  const input = device === 'cpu' ? scan.image : T.tidy(() => scan.image.to(null, device));
  try {
    const precision = options.precision ?? 'fp32';
    const forward = options.predictor ?? ((windows: Tensor) => T.withPrecision(precision, () => model.forward(windows)));
    const window = windowSize(options.window ?? 'crop', scan.image.shape.slice(1) as Ijk, recipe.crop, encoderStride(model.config));
    const result = slidingWindowArgmax(input, options.tta ? mirrorAveraged(forward) : forward, {
      roiSize: window,
      overlap: options.overlap ?? 0.5,
      blend: options.blend ?? 'constant',
      swBatchSize: options.swBatchSize ?? 4,
      probabilities: options.probabilities,
      onProgress: options.onProgress,
    });
    return { ...result, window };
  } finally {
    if (input !== scan.image) input.dispose();
    model.train(wasTraining);
  }
}

/** 'crop', 'whole' or 'x,y,z' (positive integers) as a WindowSize; undefined for anything else. The stride is checked by windowSize. */
export function parseWindowSize(text: string): WindowSize | undefined {
  if (text === 'crop' || text === 'whole') return text;
  const parts = text.split(',');
  const size = parts.map(Number);
  return parts.length === 3 && size.every((s) => Number.isInteger(s) && s > 0) ? (size as [number, number, number]) : undefined;
}

/** The window size in voxels for a scan of `imageSize` (x, y, z). */
export function windowSize(window: WindowSize, imageSize: Readonly<Ijk>, crop: Readonly<Ijk>, stride: number): Readonly<Ijk> {
  if (window === 'crop') return crop;
  if (window === 'whole') return imageSize.map((s) => Math.ceil(s / stride) * stride) as unknown as Ijk;
  if (!Array.isArray(window) || window.length !== 3 || !window.every((s) => Number.isInteger(s) && s > 0 && s % stride === 0)) {
    throw new RangeError(`window must be 'crop', 'whole' or three positive multiples of ${stride} (the network's stride), got ${JSON.stringify(window)}`);
  }
  return window;
}

// Flip dims of [n, C, X, Y, Z] windows: every subset of the three spatial axes.
const MIRRORS: readonly (readonly number[])[] = [[], [2], [3], [4], [2, 3], [2, 4], [3, 4], [2, 3, 4]];
// Floor for the averaged probabilities before the log: float32 softmax can be exactly 0.
const MIN_PROBABILITY = 1e-30;

/**
 * The mean softmax over the 8 mirrorings of each window (nnU-Net's mirror
 * augmentation, on probabilities), returned as log-probabilities so the
 * sliding window blends and argmaxes them like logits; their softmax is the
 * averaged probability again.
 */
function mirrorAveraged(forward: Predictor): Predictor {
  return (windows) => {
    let sum: Tensor | undefined;
    for (const dims of MIRRORS) {
      const probabilities = T.tidy(() => {
        const out = forward(dims.length ? windows.flip(dims) : windows).softmax(1);
        return dims.length ? out.flip(dims) : out;
      });
      if (sum === undefined) sum = probabilities;
      else {
        sum.add_(probabilities);
        probabilities.dispose();
      }
    }
    const mean = sum!;
    return T.tidy(() => mean.div_(MIRRORS.length).clamp_(MIN_PROBABILITY).log());
  };
}
