// Every setting of SMIT fine-tuning (SMIT-SPEC §3) as one option table: the
// `smit finetune` command parses it and library callers are checked against it.
// Defaults are the official fine_tuning_swin_3D.py's (CT); `preset: 'cpu-mri'`
// is this project's setting for thick-slice MRI on a small CPU.
import { type OptionValues, UsageError, checkValues, defaultsOf, defineOptions } from '../util/options.js';
import { PRECISION_OPTION, resolvePrecision } from '../engine/precision.js';
import { CONFIGS, type ConfigName, smitConfig } from '../models/smit/config.js';
import { SMIT_CONFIG_SCHEMA, checkSmitConfig } from '../models/smit/config_schema.js';
import { CT_WINDOW } from '../data/intensity/scale_intensity_range.js';
import type { SegRecipe } from './recipe.js';

const CONFIG_NAMES = Object.keys(CONFIGS) as ConfigName[];

export const FINETUNE_OPTIONS = defineOptions({
  data: { type: 'string', required: true, help: 'MSD/MONAI dataset JSON with labels (its "labels" table names the classes)' },
  outDir: { type: 'string', default: 'runs/finetune', help: 'run folder: plans.json, splits.json, metrics.jsonl, progress.png, model_best/model_last, checkpoint' },
  preset: {
    type: 'choice',
    choices: ['published', 'cpu-mri'],
    default: 'published',
    help: "'published': the official CT recipe (small network, 1.5×1.5×2 mm, 96³ crops, 4 per step, lr 1e-4, rot90 p 0.2); 'cpu-mri': thick-slice MRI on a small CPU (tiny network, 3×3×7.7 mm, 64×64×32 crops, 2 per step, lr 1e-3, no rotations, 30 epochs)",
  },
  modality: { type: 'choice', choices: ['ct', 'mri'], default: 'ct', help: "intensity: 'ct' (HU window −175…250 → 0…1) or 'mri' (see --mri-intensity)" },
  mriIntensity: { type: 'choice', choices: ['zscore', 'percentile'], default: 'zscore', help: 'MRI normalisation per volume: z-score (nnU-Net) or 0.5–99.5 percentiles → 0…1' },
  config: { type: 'choice', choices: CONFIG_NAMES, help: "network size: 'small' (published) or 'tiny' (default: from the preset)" },
  configOverrides: { type: 'object', keys: SMIT_CONFIG_SCHEMA, default: {}, help: 'JSON overrides of the network config, e.g. {"imgSize":[96,96,32]}' },
  spacing: { type: 'numbers', count: 3, above: 0, help: 'resampling spacing in mm, x,y,z (RAS) (default: from the preset)' },
  pretrained: { type: 'string', help: 'pre-trained encoder: our export/checkpoint or an official SMIT .pt (default: train from scratch)' },
  freezeEncoderSteps: { type: 'integer', min: 0, default: 0, help: 'steps during which the pre-trained encoder is not updated' },
  trainCases: { type: 'strings', default: [], help: 'case ids (image file names without extension) to train on (default: the list\'s training cases not used for validation)' },
  valCases: { type: 'strings', default: [], help: 'case ids to validate on (default: the list\'s validation cases, else --val-fraction of training)' },
  valFraction: { type: 'number', min: 0, below: 1, default: 0.2, help: 'share of training cases held out for validation when the list has none' },
  epochs: { type: 'integer', min: 1, help: 'epochs of one volume per step over the training cases (default: from the preset)' },
  warmupEpochs: { type: 'integer', min: 0, help: 'linear learning-rate warm-up (default: from the preset)' },
  lr: { type: 'number', above: 0, help: 'AdamW learning rate (default: from the preset; published 1e-4)' },
  weightDecay: { type: 'number', min: 0, default: 1e-5, help: 'AdamW weight decay' },
  samples: { type: 'integer', min: 1, help: 'crops per volume per step, the batch (default: from the preset; published 4)' },
  cropSampling: {
    type: 'choice',
    choices: ['pos-neg', 'classes'],
    help: "crop centres: 'pos-neg' (foreground:background by --positive:--negative, the official) or 'classes' (each class present equally often) (default: from the preset)",
  },
  positive: { type: 'number', min: 0, default: 1, help: 'weight of crops centred on foreground' },
  negative: { type: 'number', min: 0, default: 1, help: 'weight of crops centred on background' },
  rotateProb: { type: 'number', min: 0, max: 1, help: 'probability of a random 90° rotation in the x-y plane (default: from the preset; published 0.2)' },
  flipProb: { type: 'number', min: 0, max: 1, default: 0, help: 'probability of flipping each axis (official: off)' },
  scaleIntensityProb: { type: 'number', min: 0, max: 1, default: 0.1, help: 'probability of scaling intensities by 1 ± 0.1' },
  shiftIntensityProb: { type: 'number', min: 0, max: 1, default: 0.1, help: 'probability of shifting intensities by ± 0.1' },
  lambdaDice: { type: 'number', min: 0, default: 1, help: 'weight of the Dice loss' },
  lambdaCe: { type: 'number', min: 0, default: 1, help: 'weight of the cross-entropy loss' },
  validateEvery: { type: 'integer', min: 1, help: 'steps between validations (default: about 20 in a run, at least one epoch apart)' },
  overlap: { type: 'number', min: 0, below: 1, default: 0.5, help: 'sliding-window overlap in validation' },
  blend: { type: 'choice', choices: ['constant', 'gaussian'], default: 'constant', help: 'sliding-window blending in validation (official: constant)' },
  swBatchSize: { type: 'integer', min: 1, default: 4, help: 'windows per forward pass in validation' },
  checkpointEvery: { type: 'integer', min: 1, default: 50, help: 'steps between resumable checkpoints' },
  seed: { type: 'integer', min: 0, max: 2 ** 32 - 1, default: 0, help: 'random seed' },
  precision: PRECISION_OPTION,
  resume: { type: 'boolean', help: 'continue from <out-dir>/checkpoint.safetensors' },
  maxSteps: { type: 'integer', min: 1, help: 'stop after this many steps in this invocation (default: run to the end)' },
});

export type FinetuneOptions = OptionValues<typeof FINETUNE_OPTIONS>;

export const FINETUNE_DEFAULTS: FinetuneOptions = defaultsOf(FINETUNE_OPTIONS);

/** What each preset fills in where an option is left unset. */
export const FINETUNE_PRESETS = {
  published: { config: 'small', spacing: [1.5, 1.5, 2], imgSize: [96, 96, 96], samples: 4, lr: 1e-4, rotateProb: 0.2, cropSampling: 'pos-neg', epochs: 5000, warmupEpochs: 50 },
  // No rotations: a quarter or half turn in the axial plane moves the right
  // kidney to where the left one is, and a tiny network trained for a few
  // hundred steps cannot tell them apart from context (with rotations, the
  // first CHAOS fold gave right kidney Dice 0 and left 0.46: both kidneys
  // labelled left). Class-balanced crops: foreground centres drawn uniformly
  // over foreground voxels are mostly liver, and in a few hundred steps the
  // spleen was never learned (Dice 0 on the first fold without rotations).
  'cpu-mri': { config: 'tiny', spacing: [3, 3, 7.7], imgSize: [64, 64, 32], samples: 2, lr: 1e-3, rotateProb: 0, cropSampling: 'classes', epochs: 30, warmupEpochs: 2 },
} as const;

/** The options with the preset's values filled in, checked against the table and each other. */
export function resolveFinetuneOptions(o: FinetuneOptions) {
  checkValues(FINETUNE_OPTIONS, o);
  const preset = FINETUNE_PRESETS[o.preset];
  const configName = (o.config ?? preset.config) as ConfigName;
  let config;
  try {
    const overrides = o.configOverrides;
    // The decoder width follows the encoder's unless set (they must agree: see SmitSegmenter).
    const featureSize = overrides.featureSize ?? overrides.embedDim;
    config = smitConfig(configName, { imgSize: [...preset.imgSize], ...overrides, ...(featureSize === undefined ? {} : { featureSize }) });
    checkSmitConfig(config);
    if (config.featureSize !== config.embedDim) throw new Error(`featureSize ${config.featureSize} must equal embedDim ${config.embedDim} (the decoder joins the encoder's stage outputs)`);
  } catch (error) {
    throw new UsageError(`--config-overrides: ${(error as Error).message} (config '${configName}' with ${JSON.stringify(o.configOverrides)})`);
  }
  const epochs = o.epochs ?? preset.epochs;
  const warmupEpochs = o.warmupEpochs ?? Math.min(preset.warmupEpochs, epochs);
  if (warmupEpochs > epochs) throw new UsageError(`--warmup-epochs ${warmupEpochs} exceeds --epochs ${epochs}`);
  if (o.positive + o.negative <= 0) throw new UsageError('--positive and --negative are both 0: no crop could be drawn');
  return {
    ...o,
    config,
    spacing: (o.spacing ?? [...preset.spacing]) as [number, number, number],
    samples: o.samples ?? preset.samples,
    rotateProb: o.rotateProb ?? preset.rotateProb,
    cropSampling: o.cropSampling ?? preset.cropSampling,
    lr: o.lr ?? preset.lr,
    precision: resolvePrecision(o.precision),
    epochs,
    warmupEpochs,
  };
}

export type ResolvedFinetuneOptions = ReturnType<typeof resolveFinetuneOptions>;

/** The preprocessing recipe the options ask for; it is stored in every model file the run writes. */
export function recipeFromFinetuneOptions(o: ResolvedFinetuneOptions): SegRecipe {
  const intensity: SegRecipe['intensity'] =
    o.modality === 'ct'
      ? { kind: 'window', window: CT_WINDOW }
      : o.mriIntensity === 'zscore'
        ? { kind: 'zscore', nonzero: false }
        : { kind: 'percentile', lower: 0.5, upper: 99.5 };
  return { spacing: o.spacing, intensity, crop: o.config.imgSize };
}
