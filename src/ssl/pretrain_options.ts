import type { ConfigName, SmitConfig } from '../models/smit/config.js';

/** Every setting of SMIT pre-training, with the published defaults (SMIT-SPEC §2). */
export interface PretrainOptions {
  config: ConfigName;
  configOverrides: Partial<SmitConfig>;
  /** Dataset JSONs, folders of volumes or volume files. */
  data: string[];
  modality: 'ct' | 'mri' | 'auto';
  outDir: string;
  epochs: number;
  /** Optimizer steps per epoch; default: volumes / batch size (at least 1). */
  stepsPerEpoch: number | null;
  /** Volumes per step (each gives two views). */
  batchSize: number;
  /** Micro-batches accumulated into one optimizer step. */
  accumulate: number;
  /** Learning rate per volume in the batch (lr = lrPerVolume × batch × accumulate). */
  lrPerVolume: number;
  minLr: number;
  warmupEpochs: number;
  weightDecay: number;
  weightDecayEnd: number;
  clipGrad: number;
  freezeLastLayerEpochs: number;
  momentumTeacher: number;
  centerMomentum: number;
  studentTemp: number;
  warmupTeacherTemp: number;
  teacherTemp: number;
  warmupTeacherTempEpochs: number;
  /** Epochs before the MPD teacher temperature starts its warm-up. */
  patchTempStartEpoch: number;
  lambdaMpd: number;
  lambdaItd: number;
  maskRatio: number;
  maskBlock: number;
  /** Voxel spacing for pre-training (mm) and the crops. */
  spacing: [number, number, number];
  region: [number, number, number] | null;
  checkpointEvery: number;
  snapshotEvery: number;
  seed: number;
  resume: boolean;
  skipBad: boolean;
  cacheDir: string | null;
  /** Stop after this many steps in this invocation (for tests and demos); null = run to the end. */
  maxSteps: number | null;
}

export const PRETRAIN_DEFAULTS: PretrainOptions = {
  config: 'small',
  configOverrides: {},
  data: [],
  modality: 'ct',
  outDir: 'runs/pretrain',
  epochs: 500,
  stepsPerEpoch: null,
  batchSize: 6,
  accumulate: 1,
  lrPerVolume: 1e-4,
  minLr: 1e-6,
  warmupEpochs: 20,
  weightDecay: 0.04,
  weightDecayEnd: 0.4,
  clipGrad: 3.0,
  freezeLastLayerEpochs: 1,
  momentumTeacher: 0.996,
  centerMomentum: 0.9,
  studentTemp: 0.1,
  warmupTeacherTemp: 0.04,
  teacherTemp: 0.07,
  warmupTeacherTempEpochs: 30,
  patchTempStartEpoch: 30,
  lambdaMpd: 0.1,
  lambdaItd: 0.1,
  maskRatio: 0.7,
  maskBlock: 16,
  spacing: [2, 2, 2],
  region: null,
  checkpointEvery: 100,
  snapshotEvery: 100,
  seed: 0,
  resume: false,
  skipBad: false,
  cacheDir: null,
  maxSteps: null,
};

export function validatePretrainOptions(o: PretrainOptions): void {
  const positive: (keyof PretrainOptions)[] = ['epochs', 'batchSize', 'accumulate', 'checkpointEvery', 'snapshotEvery', 'maskBlock'];
  for (const key of positive) {
    const v = o[key] as number;
    if (!Number.isInteger(v) || v < 1) throw new Error(`--${kebab(key)} must be a positive integer, got ${v}`);
  }
  if (!(o.maskRatio > 0 && o.maskRatio < 1)) throw new Error(`--mask-ratio must be in (0, 1), got ${o.maskRatio}`);
  if (!['ct', 'mri', 'auto'].includes(o.modality)) throw new Error(`--modality must be ct, mri or auto, got '${o.modality}'`);
  if (o.data.length === 0) throw new Error('no data: give --data with a dataset JSON, a folder of volumes or volume files');
  if (!(o.lrPerVolume > 0)) throw new Error(`--lr-per-volume must be > 0, got ${o.lrPerVolume}`);
}

export function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
