import { runPretraining } from '../../ssl/run_pretraining.js';
import { PRETRAIN_DEFAULTS, type PretrainOptions } from '../../ssl/pretrain_options.js';
import { type OptionDoc, parseOptions } from '../options.js';

export const PRETRAIN_DOCS: OptionDoc = {
  data: 'dataset JSON(s), folder(s) of NIfTI/DICOM volumes or volume files (repeat or comma-separate)',
  modality: "intensity: 'ct' (HU window −175…250), 'mri' (0.5–99.5 percentiles) or 'auto' (per volume: CT if it holds air)",
  config: "network size: 'small' (published) or 'tiny'",
  configOverrides: 'JSON overrides of the network config, e.g. {"imgSize":[96,96,32]}',
  outDir: 'run folder: checkpoint, metrics.jsonl, loss_curves.png, reconstruction.png',
  epochs: 'epochs (schedules are defined over them)',
  stepsPerEpoch: 'optimizer steps per epoch (default: volumes / batch size)',
  batchSize: 'volumes per step (two views each)',
  accumulate: 'micro-batches accumulated per optimizer step',
  lrPerVolume: 'learning rate per volume of the effective batch',
  minLr: 'final learning rate of the cosine schedule',
  warmupEpochs: 'linear learning-rate warm-up',
  weightDecay: 'AdamW weight decay at the start (cosine to --weight-decay-end)',
  weightDecayEnd: 'AdamW weight decay at the end',
  clipGrad: 'per-parameter gradient norm clip',
  freezeLastLayerEpochs: "epochs during which the heads' last layers get no gradient",
  momentumTeacher: 'teacher EMA momentum at the start (cosine to 1)',
  centerMomentum: 'momentum of the teacher-output centres',
  studentTemp: 'student temperature',
  warmupTeacherTemp: 'teacher temperature at the start',
  teacherTemp: 'teacher temperature after warm-up',
  warmupTeacherTempEpochs: 'teacher temperature warm-up',
  patchTempStartEpoch: 'epochs before the MPD teacher temperature warms up',
  lambdaMpd: 'weight of masked patch-token distillation',
  lambdaItd: 'weight of image-token distillation',
  maskRatio: 'fraction of mask blocks hidden from the student',
  maskBlock: 'mask block edge in voxels',
  spacing: 'resampling spacing in mm (D,H,W order: slice axis first)',
  region: 'random region crop before the two views (default: 4/3 of the view)',
  checkpointEvery: 'steps between checkpoints',
  snapshotEvery: 'steps between loss-curve/reconstruction PNGs',
  seed: 'random seed',
  resume: 'continue from <out-dir>/checkpoint.safetensors',
  skipBad: 'skip unreadable volumes (reported) instead of stopping',
  cacheDir: 'folder for preprocessed volumes (reused across runs)',
  maxSteps: 'stop after this many steps in this invocation',
};

export async function pretrainCommand(argv: string[]): Promise<void> {
  const options: PretrainOptions = parseOptions('pretrain', argv, PRETRAIN_DEFAULTS, PRETRAIN_DOCS);
  await runPretraining(options);
}
