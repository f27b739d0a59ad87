// Segmentation suite: one fine-tuning step at the published size and
// sliding-window segmentation of whole real volumes, against the PyTorch twin
// (bench/baselines/segment.py: twin/seg_twin.py, twin/sliding_window.py =
// MONAI's algorithm). The `_bf16` workloads run ours with --precision bf16.
//
// Same inputs and weights on both sides: our child's setup writes the
// prepared scan and the network's initial (random, seeded) weights as
// safetensors into $SMIT_BENCH_SEGMENT_DIR (default <tmp>/smit-bench-segment),
// and the baseline, which the harness runs after ours in every round, loads
// them. After the timed iterations our side also writes its label map there;
// the baseline prints on stderr how many voxels its own labels share with ours.
//
// SMIT_BENCH_SEGMENT_SAMPLES (default 4, the published batch) sets the crops
// per fine-tuning step: each 96³ crop of the small network needs ≈ 5.5 GB
// during forward + backward, and both sides refuse to start when the
// machine's MemAvailable is short of the estimate.
import { mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as T from '../../src/engine/index.js';
import type { Tensor } from '../../src/engine/index.js';
import { type Ijk, loadImage } from '../../src/data/index.js';
import { SmitSegmenter } from '../../src/models/index.js';
import { FINETUNE_DEFAULTS, resolveFinetuneOptions } from '../../src/seg/finetune_options.js';
import { Finetuner } from '../../src/seg/finetuner.js';
import { scanInterval, windowStarts } from '../../src/seg/inferer/sliding_window.js';
import { type PredictOptions, predictScan } from '../../src/seg/predict.js';
import { CT_SEG_RECIPE, type PreparedScan, type SegRecipe, prepareScan } from '../../src/seg/recipe.js';
import { sharedData } from '../../test/helpers/env.js';
import { defineSuite, defineWorkload } from '../harness/workload.js';

// Set here, in the harness process, so both children inherit the same folder.
process.env.SMIT_BENCH_SEGMENT_DIR ||= join(tmpdir(), 'smit-bench-segment');
const DIR = process.env.SMIT_BENCH_SEGMENT_DIR;

const CT = sharedData('totalseg-ct', 'ct_abdomen_pelvis_3mm.nii.gz');
const CT_LABELS = sharedData('totalseg-ct', 'ct_abdomen_pelvis_3mm_seg.nii.gz');
const MRI = sharedData('chaos-mr-t2', 'image_1.nii.gz');

/** The 14 BTCV classes of the published CT model, with the TotalSegmentator "total" id of each organ. */
const BTCV: [string, number][] = [
  ['background', 0], ['spleen', 1], ['kidney_right', 2], ['kidney_left', 3], ['gallbladder', 4], ['esophagus', 15],
  ['liver', 5], ['stomach', 6], ['aorta', 52], ['inferior_vena_cava', 63], ['portal_vein_and_splenic_vein', 64],
  ['pancreas', 7], ['adrenal_gland_right', 8], ['adrenal_gland_left', 9],
];

/** The official inference; the baseline always runs it, ours too except where a workload names another overlap. */
const WINDOW = { overlap: 0.5, blend: 'constant', swBatchSize: 4 } as const satisfies PredictOptions;
const GB = 2 ** 30;

function samples(): number {
  const raw = process.env.SMIT_BENCH_SEGMENT_SAMPLES ?? '4';
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`SMIT_BENCH_SEGMENT_SAMPLES must be a positive integer, got '${raw}'`);
  return n;
}

/** Refuses to start a job the machine cannot hold (it would swap or wake the OOM killer among other people's jobs). */
function requireMemory(bytes: number, what: string): void {
  const match = /MemAvailable:\s+(\d+) kB/.exec(readFileSync('/proc/meminfo', 'utf8'));
  if (match === null) return;
  const available = Number(match[1]) * 1024;
  if (available < bytes) {
    throw new Error(
      `${what} needs ≈ ${(bytes / GB).toFixed(1)} GB, the machine has ${(available / GB).toFixed(1)} GB available: ` +
        'fewer crops with --env SMIT_BENCH_SEGMENT_SAMPLES=N, or a bigger machine',
    );
  }
}

function save(name: string, tensors: Iterable<[string, Tensor]>, metadata: Record<string, string> = {}): void {
  mkdirSync(DIR, { recursive: true });
  T.saveSafetensors(join(DIR, `${name}.safetensors`), tensors, metadata);
}

/** The network's initial weights and config, for the twin to load. */
function saveWeights(name: string, model: SmitSegmenter): void {
  save(`${name}_weights`, model.stateDict(), { config: JSON.stringify(model.config) });
}

// ---------------------------------------------------------------------------
// (a) one fine-tuning step, published size
// ---------------------------------------------------------------------------
const suffix = (precision: T.ResolvedPrecision) => (precision === 'fp32' ? '' : `_${precision}`);

const finetuneStep = (precision: T.ResolvedPrecision) => defineWorkload({
  name: `finetune_step${suffix(precision)}`,
  description:
    `one fine-tuning step at the published size: small network, 14 classes, the real CT at 1.5×1.5×2 mm, SMIT_BENCH_SEGMENT_SAMPLES (4) label-balanced 96³ crops, augmentation, Dice-CE, backward, AdamW lr 1e-4 wd 1e-5; ${precision}`,
  iterations: 1,
  warmup: 1,
  setup: async () => {
    const n = samples();
    requireMemory(n * 5.5 * GB + 1 * GB, `a fine-tuning step on ${n} crops of 96³`);
    const o = resolveFinetuneOptions({ ...FINETUNE_DEFAULTS, data: '(in memory)', preset: 'published', samples: n, epochs: 1000, warmupEpochs: 0, precision });
    const scan = prepareScan(await loadImage(CT), CT_SEG_RECIPE, await loadImage(CT_LABELS));
    // TotalSegmentator ids → the 14 BTCV classes (every other id is background).
    const table = new Array<number>(256).fill(0);
    BTCV.forEach(([, id], k) => k > 0 && (table[id] = k));
    const label = T.keep(T.tidy(() => T.tensor(table, { dtype: 'uint8' }).indexSelect(0, scan.label!.reshape([-1]).to('int64')).reshape(scan.label!.shape)));
    scan.label!.dispose();
    const prepared: PreparedScan = { ...scan, label };
    const finetuner = new Finetuner(o, CT_SEG_RECIPE, BTCV.map(([name]) => name), [{ id: 'ct_abdomen_pelvis_3mm', entry: { image: CT, label: CT_LABELS }, scan: prepared }]);
    saveWeights('finetune', finetuner.model);
    save('finetune_case', [['image', prepared.image], ['label', label]], {
      crop: JSON.stringify(CT_SEG_RECIPE.crop), samples: String(n), lr: String(o.lr), weight_decay: String(o.weightDecay),
    });
    process.stderr.write(`segment/finetune_step: case ${prepared.image.shape.slice(1).join('×')}, ${n} crops of ${CT_SEG_RECIPE.crop.join('×')}, lr ${o.lr}, wd ${o.weightDecay}\n`);
    return { finetuner, n };
  },
  run: ({ finetuner }) => {
    const m = finetuner.trainStep();
    process.stderr.write(`segment/finetune_step${suffix(precision)}: step ${m.step} loss ${m.loss.toFixed(4)} (dice ${m.lossDice.toFixed(4)}, ce ${m.lossCe.toFixed(4)})\n`);
  },
  report: ({ n }) => ({ crops: n }),
  baseline: { script: 'segment.py', fn: 'finetune_step' },
});

// ---------------------------------------------------------------------------
// (b) sliding-window segmentation of whole real volumes
// ---------------------------------------------------------------------------
interface WindowState {
  name: string;
  model: SmitSegmenter;
  scan: PreparedScan;
  recipe: SegRecipe;
  precision: T.ResolvedPrecision;
  /** Our overlap (the baseline's is WINDOW.overlap). */
  overlap: number;
  windows: number;
  labels?: Tensor;
}

async function slidingSetup(
  name: string,
  path: string,
  recipe: SegRecipe,
  model: SmitSegmenter,
  precision: T.ResolvedPrecision = 'fp32',
  overlap: number = WINDOW.overlap,
): Promise<WindowState> {
  const scan = prepareScan(await loadImage(path), recipe);
  const size = scan.image.shape.slice(1) as Ijk;
  const windows = windowStarts(size, recipe.crop, scanInterval(size, recipe.crop, [overlap, overlap, overlap])).length;
  model.eval();
  saveWeights(name, model);
  save(`${name}_scan`, [['image', scan.image]], {
    window: JSON.stringify({ roi_size: recipe.crop, overlap: WINDOW.overlap, mode: WINDOW.blend, sw_batch_size: WINDOW.swBatchSize }),
  });
  process.stderr.write(`segment/${name}: prepared ${size.join('×')}, ${windows} windows of ${recipe.crop.join('×')}, ${model.config.classes} classes\n`);
  return { name, model, scan, recipe, precision, overlap, windows };
}

function slidingRun(state: WindowState): void {
  state.labels?.dispose();
  const started = performance.now();
  const progress = (done: number, total: number) => {
    if (done % (5 * WINDOW.swBatchSize) === 0 || done === total) {
      process.stderr.write(`segment/${state.name}: ${done}/${total} windows, ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
    }
  };
  state.labels = predictScan(state.model, state.scan, state.recipe, { ...WINDOW, overlap: state.overlap, precision: state.precision, onProgress: progress }).labels;
}

function slidingReport(state: WindowState): Record<string, unknown> {
  if (state.labels) save(`${state.name}_ours_labels`, [['labels', state.labels]]);
  return { volume: state.scan.image.shape.slice(1).join('x'), windows: state.windows, overlap: state.overlap };
}

const slidingCt = (precision: T.ResolvedPrecision, overlap: number = WINDOW.overlap) => {
  const name = `sliding_window_ct${suffix(precision)}${overlap === WINDOW.overlap ? '' : `_overlap${String(overlap).replace('.', '')}`}`;
  return defineWorkload<WindowState>({
    name,
    description:
      `sliding-window segmentation of the whole real CT (ct_abdomen_pelvis_3mm at 1.5×1.5×2 mm): small network, 14 classes, 96³ windows, overlap ${overlap}, constant blending, 4 windows per forward, argmax; ${precision}` +
      (overlap === WINDOW.overlap ? '' : `; the baseline runs the official overlap ${WINDOW.overlap}`),
    iterations: 1,
    warmup: 0,
    setup: () => {
      T.manualSeed(0);
      return slidingSetup(name, CT, CT_SEG_RECIPE, new SmitSegmenter(resolveFinetuneOptions({ ...FINETUNE_DEFAULTS, data: '(in memory)' }).config), precision, overlap);
    },
    run: slidingRun,
    report: slidingReport,
    baseline: { script: 'segment.py', fn: name },
  });
};

const slidingMri = defineWorkload<WindowState>({
  name: 'sliding_window_mri',
  description:
    "sliding-window segmentation of the whole CHAOS T2 MRI image_1 with the 'cpu-mri' recipe (3×3×7.7 mm, z-score): tiny network, 5 classes, 64×64×32 windows (the recipe's crop), overlap 0.5, constant blending, 4 per forward, argmax",
  iterations: 3,
  warmup: 1,
  setup: () => {
    const o = resolveFinetuneOptions({ ...FINETUNE_DEFAULTS, data: '(in memory)', preset: 'cpu-mri', modality: 'mri' });
    // As src/seg/run_finetuning.ts builds the recipe from the options.
    const recipe: SegRecipe = {
      spacing: o.spacing,
      intensity: o.mriIntensity === 'zscore' ? { kind: 'zscore', nonzero: false } : { kind: 'percentile', lower: 0.5, upper: 99.5 },
      crop: o.config.imgSize,
    };
    T.manualSeed(0);
    return slidingSetup('sliding_window_mri', MRI, recipe, new SmitSegmenter({ ...o.config, classes: 5 }));
  },
  run: slidingRun,
  report: slidingReport,
  baseline: { script: 'segment.py', fn: 'sliding_window_mri' },
});

export default defineSuite({
  name: 'segment',
  description: 'a published-size fine-tuning step and whole-volume sliding-window segmentation versus the PyTorch twin (MONAI algorithm)',
  workloads: [finetuneStep('fp32'), finetuneStep('bf16'), slidingCt('fp32'), slidingCt('bf16'), slidingCt('fp32', 0.25), slidingMri],
  rounds: 3,
});
