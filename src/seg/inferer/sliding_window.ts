// Sliding-window inference over a whole volume, window for window as MONAI's
// `sliding_window_inference` places, weights and blends them (twin:
// twin/sliding_window.py). Volumes are [C, X, Y, Z] (or [1, C, X, Y, Z]).
import * as T from '../../engine/index.js';
import type { Tensor } from '../../engine/index.js';
import type { Ijk } from '../../data/index.js';

export type BlendMode = 'constant' | 'gaussian';
/** Maps a batch of windows [n, C, rx, ry, rz] to logits [n, K, rx, ry, rz]. */
export type Predictor = (windows: Tensor) => Tensor;

export interface SlidingWindowOptions {
  roiSize: Readonly<Ijk>;
  /** Fraction of the window shared by neighbours, per axis or for all; in [0, 1). Default 0.5 (SMIT-SPEC §3). */
  overlap?: number | Readonly<Ijk>;
  /** How overlapping windows are blended. Default 'constant' (the official SMIT code). */
  blend?: BlendMode;
  /** Gaussian sigma as a fraction of the window size. Default 0.125 (MONAI). */
  sigmaScale?: number | Readonly<Ijk>;
  /** Windows per predictor call. Default 4, the official SMIT/SwinUNETR inference setting. */
  swBatchSize?: number;
  /** Called after each predictor call with the windows done so far and the total. */
  onProgress?: (done: number, total: number) => void;
}

export interface SlidingWindowArgmaxOptions extends SlidingWindowOptions {
  /** Also return the softmax probabilities [K, X, Y, Z]. */
  probabilities?: boolean;
}

export interface SlidingWindowArgmaxResult {
  /** uint8 [X, Y, Z]. */
  labels: Tensor;
  /** float32 [K, X, Y, Z] on the CPU, when asked for. */
  probabilities?: Tensor;
}

// MONAI's importance maps are clamped to this minimum so no voxel gets zero weight.
const MIN_IMPORTANCE = 1e-3;
// Slab thickness (X planes) for the in-place softmax of slidingWindowArgmax.
const SOFTMAX_SLAB = 8;

/** Window stride per axis: floor(roi·(1−overlap)), at least 1; the roi itself where it spans the axis. */
export function scanInterval(imageSize: Readonly<Ijk>, roiSize: Readonly<Ijk>, overlap: Readonly<Ijk>): Readonly<Ijk> {
  return imageSize.map((size, i) => {
    if (roiSize[i] === size) return roiSize[i];
    const interval = Math.floor(roiSize[i] * (1 - overlap[i]));
    return interval > 0 ? interval : 1;
  }) as unknown as Readonly<Ijk>;
}

/**
 * Window start corners, X slowest and Z fastest (MONAI's order). Per axis the
 * starts step by `interval` until a window reaches the end; the last one is
 * pulled back to end at the border, so no start repeats.
 */
export function windowStarts(imageSize: Readonly<Ijk>, roiSize: Readonly<Ijk>, interval: Readonly<Ijk>): Readonly<Ijk>[] {
  const perAxis = imageSize.map((size, axis) => {
    const patch = Math.min(roiSize[axis], size);
    let count = 1;
    while ((count - 1) * interval[axis] + patch < size) count++;
    return Array.from({ length: count }, (_, i) => {
      const start = i * interval[axis];
      return start - Math.max(start + patch - size, 0);
    });
  });
  const starts: Readonly<Ijk>[] = [];
  for (const x of perAxis[0]) for (const y of perAxis[1]) for (const z of perAxis[2]) starts.push([x, y, z]);
  return starts;
}

/** Per-voxel window weight [rx, ry, rz] float32 on the CPU, as MONAI's compute_importance_map. */
export function importanceMap(roiSize: Readonly<Ijk>, mode: BlendMode = 'constant', sigmaScale: number | Readonly<Ijk> = 0.125): Tensor {
  return T.tidy(() => {
    if (mode === 'constant') return T.ones([...roiSize], { dtype: 'float32' });
    const scales = toIjk(sigmaScale);
    const profiles = roiSize.map((size, axis) => {
      const sigma = size * scales[axis];
      const offsets = T.arange(-(size - 1) / 2, (size - 1) / 2 + 1, 1, { dtype: 'float32' });
      return offsets.pow(2).div(-2 * sigma * sigma).exp();
    });
    const map = profiles[0]
      .reshape([roiSize[0], 1, 1])
      .mul(profiles[1].reshape([1, roiSize[1], 1]))
      .mul(profiles[2].reshape([1, 1, roiSize[2]]));
    return map.clamp(Math.max(map.min().item(), MIN_IMPORTANCE));
  });
}

/**
 * Blended logits of `predictor` over the whole image: [K, X, Y, Z] for a
 * [C, X, Y, Z] image, [1, K, X, Y, Z] for [1, C, X, Y, Z]; float32 on the CPU.
 * The predictor runs under noGrad on the image's device.
 */
export function slidingWindowInference(image: Tensor, predictor: Predictor, options: SlidingWindowOptions): Tensor {
  const batched = checkImage(image);
  const logits = blendedLogits(image, predictor, options);
  if (!batched) return logits;
  const out = logits.unsqueeze(0);
  logits.dispose();
  return out;
}

/**
 * The argmax label map (uint8 [X, Y, Z]) of the blended logits and, when
 * asked, the softmax probabilities, computed in place of the logits.
 */
export function slidingWindowArgmax(
  image: Tensor,
  predictor: Predictor,
  options: SlidingWindowArgmaxOptions,
): SlidingWindowArgmaxResult {
  checkImage(image);
  const logits = blendedLogits(image, predictor, options);
  try {
    if (logits.size(0) > 256) throw new RangeError(`predictor: ${logits.size(0)} classes do not fit a uint8 label map (at most 256)`);
    const labels = T.tidy(() => logits.argmax(0).to('uint8'));
    if (!options.probabilities) {
      logits.dispose();
      return { labels };
    }
    softmaxInPlace(logits);
    return { labels, probabilities: logits };
  } catch (error) {
    logits.dispose();
    throw error;
  }
}

interface Plan {
  roiSize: Readonly<Ijk>;
  overlap: Readonly<Ijk>;
  blend: BlendMode;
  sigmaScale: Readonly<Ijk>;
  swBatchSize: number;
}

function blendedLogits(image: Tensor, predictor: Predictor, options: SlidingWindowOptions): Tensor {
  const plan = checkOptions(options);
  const { roiSize, swBatchSize } = plan;
  return T.tidy(() => {
    const volume = image.ndim === 5 ? image : image.unsqueeze(0);
    const imageSize = volume.shape.slice(2) as unknown as Readonly<Ijk>;
    const paddedSize = imageSize.map((s, i) => Math.max(s, roiSize[i])) as unknown as Readonly<Ijk>;
    const padBefore = imageSize.map((s, i) => Math.floor((paddedSize[i] - s) / 2));
    const padded = paddedSize.some((s, i) => s !== imageSize[i]);
    // F.pad order: last axis first, each as (before, after).
    const padList = [2, 1, 0].flatMap((i) => [padBefore[i], paddedSize[i] - imageSize[i] - padBefore[i]]);
    const input = padded ? T.pad(volume, padList, 'constant', 0) : volume;

    const starts = windowStarts(paddedSize, roiSize, scanInterval(paddedSize, roiSize, plan.overlap));
    const weight = importanceMap(roiSize, plan.blend, plan.sigmaScale);
    const weightOnDevice = input.device === 'cpu' ? weight : weight.to(null, input.device);
    const weightSum = T.zeros([...paddedSize], { dtype: 'float32' });
    T.tidy(() => {
      for (const start of starts) windowOf(weightSum, start, roiSize, 0).add_(weight);
    });

    let sum: Tensor | undefined;
    for (let first = 0; first < starts.length; first += swBatchSize) {
      const batchStarts = starts.slice(first, first + swBatchSize);
      const weighted = T.tidy(() => {
        const windows = T.cat(batchStarts.map((start) => windowOf(input, start, roiSize, 2)));
        const out = T.noGrad(() => predictor(windows));
        checkPrediction(out, windows.shape, roiSize);
        return out.float().mul(weightOnDevice).to(null, 'cpu');
      });
      sum ??= T.zeros([weighted.size(1), ...paddedSize], { dtype: 'float32' });
      const accumulator = sum;
      T.tidy(() => {
        batchStarts.forEach((start, i) => windowOf(accumulator, start, roiSize, 1).add_(weighted.select(0, i)));
      });
      weighted.dispose();
      options.onProgress?.(Math.min(first + swBatchSize, starts.length), starts.length);
    }
    sum!.div_(weightSum);
    weightSum.dispose();
    if (!padded) return sum!;
    let cropped = sum!;
    for (let i = 0; i < 3; i++) cropped = cropped.narrow(i + 1, padBefore[i], imageSize[i]);
    return cropped.contiguous();
  });
}

/** The roi-sized view of `volume` at `start`, spatial axes from `firstAxis`. */
function windowOf(volume: Tensor, start: Readonly<Ijk>, roiSize: Readonly<Ijk>, firstAxis: number): Tensor {
  return volume
    .narrow(firstAxis, start[0], roiSize[0])
    .narrow(firstAxis + 1, start[1], roiSize[1])
    .narrow(firstAxis + 2, start[2], roiSize[2]);
}

// Slab by slab so the probabilities need no second full-size tensor.
function softmaxInPlace(logits: Tensor): void {
  const planes = logits.size(1);
  for (let x = 0; x < planes; x += SOFTMAX_SLAB) {
    T.tidy(() => {
      const slab = logits.narrow(1, x, Math.min(SOFTMAX_SLAB, planes - x));
      slab.copy_(slab.softmax(0));
    });
  }
}

/** True when the image has a batch axis. */
function checkImage(image: Tensor): boolean {
  const shape = image.shape;
  if (shape.length === 5 && shape[0] === 1) return true;
  if (shape.length === 4) return false;
  throw new RangeError(`image: expected [C, X, Y, Z] or [1, C, X, Y, Z], got [${shape.join(', ')}]`);
}

function checkOptions(options: SlidingWindowOptions): Plan {
  const roiSize = options.roiSize;
  if (!isIjk(roiSize) || !roiSize.every((r) => Number.isInteger(r) && r > 0)) {
    throw new RangeError(`roiSize must be three positive integers, got ${JSON.stringify(roiSize)}`);
  }
  const overlap = toIjk(options.overlap ?? 0.5);
  if (!isIjk(overlap) || !overlap.every((o) => Number.isFinite(o) && o >= 0 && o < 1)) {
    throw new RangeError(`overlap must be >= 0 and < 1, got ${JSON.stringify(options.overlap)}`);
  }
  const blend = options.blend ?? 'constant';
  if (blend !== 'constant' && blend !== 'gaussian') {
    throw new RangeError(`blend must be 'constant' or 'gaussian', got ${JSON.stringify(blend)}`);
  }
  const sigmaScale = toIjk(options.sigmaScale ?? 0.125);
  if (!isIjk(sigmaScale) || !sigmaScale.every((s) => Number.isFinite(s) && s > 0)) {
    throw new RangeError(`sigmaScale must be > 0, got ${JSON.stringify(options.sigmaScale)}`);
  }
  const swBatchSize = options.swBatchSize ?? 4;
  if (!Number.isInteger(swBatchSize) || swBatchSize < 1) {
    throw new RangeError(`swBatchSize must be a positive integer, got ${JSON.stringify(swBatchSize)}`);
  }
  return { roiSize: roiSize as Readonly<Ijk>, overlap, blend, sigmaScale, swBatchSize };
}

function checkPrediction(out: unknown, windowShape: number[], roiSize: Readonly<Ijk>): void {
  const shape = out instanceof T.Tensor ? out.shape : undefined;
  const ok =
    shape !== undefined &&
    shape.length === 5 &&
    shape[0] === windowShape[0] &&
    shape[1] >= 1 &&
    shape.slice(2).every((s, i) => s === roiSize[i]);
  if (!ok) {
    const got = shape === undefined ? String(out) : `[${shape.join(', ')}]`;
    throw new RangeError(
      `predictor must map [${windowShape.join(', ')}] to [${windowShape[0]}, K, ${roiSize.join(', ')}], got ${got}`,
    );
  }
}

// Arrays of another length come back as they are, for the caller's check to reject.
function toIjk(value: number | Readonly<Ijk>): Readonly<Ijk> {
  return typeof value === 'number' ? [value, value, value] : value;
}

function isIjk(value: unknown): value is Readonly<Ijk> {
  return Array.isArray(value) && value.length === 3 && value.every((v) => typeof v === 'number');
}
