// Every setting of SMIT pre-training (SMIT-SPEC §2) as one option table: the
// `smit pretrain` command parses it, library callers are checked against it
// (validatePretrainOptions), and PretrainOptions and the defaults derive from it.
// Defaults are the official SMIT code's; where iBOT differs, its values are noted.
import { type OptionValues, UsageError, checkValues, defaultsOf, defineOptions } from '../util/options.js';
import { PRECISION_OPTION } from '../engine/precision.js';
import { CONFIGS, type ConfigName, smitConfig } from '../models/smit/config.js';
import { SMIT_CONFIG_SCHEMA, checkSmitConfig } from '../models/smit/config_schema.js';

const CONFIG_NAMES = Object.keys(CONFIGS) as ConfigName[];

export const PRETRAIN_OPTIONS = defineOptions({
  data: { type: 'strings', required: true, default: [], help: 'dataset JSON(s), folder(s) of NIfTI/DICOM volumes or volume files (repeat or comma-separate)' },
  modality: {
    type: 'choice',
    choices: ['ct', 'mri', 'auto'],
    default: 'ct',
    help: "intensity: 'ct' (HU window −175…250), 'mri' (0.5–99.5 percentiles) or 'auto' (per volume: CT if it holds air)",
  },
  config: { type: 'choice', choices: CONFIG_NAMES, default: 'small', help: "network size: 'small' (published) or 'tiny'" },
  configOverrides: { type: 'object', keys: SMIT_CONFIG_SCHEMA, default: {}, help: 'JSON overrides of the network config, e.g. {"imgSize":[96,96,32]}' },
  outDir: { type: 'string', default: 'runs/pretrain', help: 'run folder: checkpoint, metrics.jsonl, loss_curves.png, reconstruction.png' },
  epochs: { type: 'integer', min: 1, default: 500, help: 'epochs (schedules are defined over them)' },
  stepsPerEpoch: { type: 'integer', min: 1, help: 'optimizer steps per epoch (default: ⌈volumes / batch size⌉)' },
  batchSize: { type: 'integer', min: 1, default: 6, help: 'volumes per step (two views each)' },
  accumulate: { type: 'integer', min: 1, default: 1, help: 'micro-batches accumulated per optimizer step' },
  lrPerVolume: { type: 'number', above: 0, default: 1e-4, help: 'learning rate per volume of the effective batch (lr = this × batch × accumulate)' },
  minLr: { type: 'number', min: 0, default: 0, help: 'final learning rate of the cosine schedule (iBOT: 1e-6)' },
  warmupEpochs: { type: 'integer', min: 0, default: 20, help: 'linear learning-rate warm-up' },
  weightDecay: { type: 'number', min: 0, default: 0.01, help: 'AdamW weight decay at the start, cosine to --weight-decay-end (iBOT: 0.04)' },
  weightDecayEnd: { type: 'number', min: 0, default: 0.01, help: 'AdamW weight decay at the end (iBOT: 0.4)' },
  weightDecayExempt: {
    type: 'choice',
    choices: ['none', 'biases-and-norms'],
    default: 'none',
    help: "parameters without weight decay: 'none' (official SMIT: AdamW decays all) or 'biases-and-norms' (iBOT)",
  },
  clipGrad: { type: 'number', min: 0, default: 0, help: 'per-parameter gradient norm clip, 0 = off (iBOT: 3)' },
  freezeLastLayerEpochs: { type: 'integer', min: 0, default: 1, help: "epochs during which the heads' last layers get no gradient" },
  momentumTeacher: { type: 'number', min: 0, max: 1, default: 0.996, help: 'teacher EMA momentum at the start (cosine to 1)' },
  centerMomentum: { type: 'number', min: 0, max: 1, default: 0.9, help: 'momentum of the teacher-output centres' },
  studentTemp: { type: 'number', above: 0, default: 0.1, help: 'student temperature' },
  warmupTeacherTemp: { type: 'number', above: 0, default: 0.04, help: 'teacher temperature at the start' },
  teacherTemp: { type: 'number', above: 0, default: 0.07, help: 'teacher temperature after warm-up' },
  warmupTeacherTempEpochs: { type: 'integer', min: 0, default: 30, help: 'teacher temperature warm-up' },
  patchTempStartEpoch: { type: 'integer', min: 0, default: 30, help: 'epochs before the MPD teacher temperature warms up' },
  lambdaMpd: { type: 'number', min: 0, default: 0.1, help: 'weight of masked patch-token distillation' },
  lambdaItd: { type: 'number', min: 0, default: 0.1, help: 'weight of image-token distillation' },
  maskRatio: { type: 'number', above: 0, below: 1, default: 0.7, help: 'fraction of mask blocks hidden from the student' },
  maskBlock: { type: 'integer', min: 1, default: 16, help: 'mask block edge in voxels (divides the crop, a multiple of the patch)' },
  spacing: { type: 'numbers', count: 3, above: 0, default: [2, 2, 2], help: 'resampling spacing in mm, x,y,z (RAS)' },
  region: { type: 'integers', count: 3, min: 1, help: 'random region crop before the two views, x,y,z voxels (default: 4/3 of the view)' },
  checkpointEvery: { type: 'integer', min: 1, default: 100, help: 'steps between checkpoints' },
  snapshotEvery: { type: 'integer', min: 1, default: 100, help: 'steps between loss-curve/reconstruction PNGs' },
  seed: { type: 'integer', min: 0, max: 2 ** 32 - 1, default: 0, help: 'random seed' },
  precision: PRECISION_OPTION,
  resume: { type: 'boolean', help: 'continue from <out-dir>/checkpoint.safetensors' },
  skipBad: { type: 'boolean', help: 'skip unreadable volumes (reported) instead of stopping' },
  cacheDir: { type: 'string', help: 'folder for preprocessed volumes (reused across runs; default <out-dir>/preprocessed when some are not held in memory)' },
  volumesInMemory: {
    type: 'integer',
    min: 1,
    default: 100,
    help: 'preprocessed volumes held in memory; the others are read from the cache folder when a step uses them (official: CacheDataset cache_num 100)',
  },
  maxSteps: { type: 'integer', min: 1, help: 'stop after this many steps in this invocation (default: run to the end)' },
});

/** Every setting of SMIT pre-training; null means "derived" (stepsPerEpoch, region) or "none" (cacheDir, maxSteps). */
export type PretrainOptions = OptionValues<typeof PRETRAIN_OPTIONS>;

export const PRETRAIN_DEFAULTS: PretrainOptions = defaultsOf(PRETRAIN_OPTIONS);

/** Checks every option against the table, then the constraints between them; throws a UsageError naming the option. */
export function validatePretrainOptions(o: PretrainOptions): void {
  checkValues(PRETRAIN_OPTIONS, o);
  let config;
  try {
    config = smitConfig(o.config, o.configOverrides);
    checkSmitConfig(config);
  } catch (error) {
    throw new UsageError(`--config-overrides: ${(error as Error).message} (config '${o.config}' with ${JSON.stringify(o.configOverrides)})`);
  }
  if (o.warmupEpochs > o.epochs) throw new UsageError(`--warmup-epochs ${o.warmupEpochs} exceeds --epochs ${o.epochs}`);
  const view = config.imgSize.join('×');
  if (config.imgSize.some((s) => s % o.maskBlock !== 0)) throw new UsageError(`--mask-block ${o.maskBlock} does not divide the crop ${view} (imgSize)`);
  if (o.maskBlock % config.patch !== 0) throw new UsageError(`--mask-block ${o.maskBlock} is not a multiple of the patch size ${config.patch}`);
  if (o.region !== null && o.region.some((r, axis) => r < config.imgSize[axis])) {
    throw new UsageError(`--region ${o.region.join(',')} is smaller than the crop ${view} (imgSize) on some axis`);
  }
}
