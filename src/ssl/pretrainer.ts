// SMIT pre-training (SMIT-SPEC §2): student on masked views, EMA teacher on
// unmasked views; L = L_MIP + λ·L_MPD + λ·L_ITD.
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as T from '../engine/index.js';
import type { Tensor } from '../engine/index.js';
import { AdamW, clipGradNormPerParam_ } from '../engine/optim/index.js';
import { SeededRandom } from '../data/seeded-random.js';
import { blockMask } from '../data/transforms/block_mask.js';
import { CT_PRETRAIN, CT_WINDOW, type PretrainRecipe, samplePretrainViews } from '../data/transforms/pretrain_views.js';
import { type SmitConfig, smitConfig } from '../models/smit/config.js';
import { SmitNetwork } from '../models/smit/smit_network.js';
import { emaUpdate } from './ema.js';
import { distillationLosses, mipLoss, updateCenters } from './losses.js';
import { type PretrainOptions, validatePretrainOptions } from './pretrain_options.js';
import { readPretrainCheckpoint, writePretrainCheckpoint } from './pretrain_checkpoint.js';
import type { PreparedVolume } from './pretrain_data.js';
import { emaMomentum, learningRate, teacherTempCls, teacherTempPatch } from './schedules.js';

export interface StepMetrics {
  step: number;
  epoch: number;
  loss: number;
  mip: number;
  mpd: number;
  itd: number;
  lr: number;
  weightDecay: number;
  momentum: number;
  seconds: number;
}

export function pretrainRecipe(o: PretrainOptions, config: SmitConfig): PretrainRecipe {
  const view = config.imgSize;
  const region = o.region ?? (view.map((v) => Math.round((v * 4) / 3 / 16) * 16) as [number, number, number]);
  return {
    spacing: o.spacing,
    intensity:
      o.modality === 'ct'
        ? CT_PRETRAIN.intensity
        : o.modality === 'mri'
          ? { kind: 'percentile', lower: 0.5, upper: 99.5 }
          : { kind: 'auto', window: CT_WINDOW, lower: 0.5, upper: 99.5 },
    region,
    view,
  };
}

export class Pretrainer {
  readonly config: SmitConfig;
  readonly recipe: PretrainRecipe;
  readonly student: SmitNetwork;
  readonly teacher: SmitNetwork;
  readonly optimizer: AdamW;
  readonly centerCls: Tensor;
  readonly centerPatch: Tensor;
  readonly rng: SeededRandom;
  readonly stepsPerEpoch: number;
  readonly totalSteps: number;
  step = 0;
  readonly #lastLayerParams: Tensor[];
  readonly checkpointPath: string;
  readonly metricsPath: string;

  constructor(readonly options: PretrainOptions, readonly volumes: PreparedVolume[]) {
    validatePretrainOptions(options);
    this.config = smitConfig(options.config, options.configOverrides);
    this.recipe = pretrainRecipe(options, this.config);
    T.manualSeed(options.seed);
    this.rng = new SeededRandom(options.seed);
    this.student = new SmitNetwork(this.config, 'student').train();
    this.teacher = new SmitNetwork({ ...this.config, dropPathRate: 0 }, 'teacher').eval();
    const shared = new Map([...this.student.stateDict()].filter(([k]) => k !== 'transformer.mask_token'));
    this.teacher.loadStateDict(shared);
    this.teacher.requiresGrad_(false);
    this.centerCls = T.keep(T.zeros([1, 1, this.config.outDim]));
    this.centerPatch = T.keep(T.zeros([1, 1, this.config.outDim]));

    const named = this.student.namedParameters();
    const decayed = named.filter(([k, p]) => !k.endsWith('.bias') && p.ndim > 1).map(([, p]) => p);
    const plain = named.filter(([k, p]) => k.endsWith('.bias') || p.ndim <= 1).map(([, p]) => p);
    this.optimizer = new AdamW([{ params: decayed }, { params: plain, options: { weightDecay: 0 } }], {
      lr: 0,
      weightDecay: options.weightDecay,
    });
    this.#lastLayerParams = named.filter(([k]) => k.includes('last_layer')).map(([, p]) => p);
    this.stepsPerEpoch = options.stepsPerEpoch ?? Math.max(1, Math.floor(volumes.length / options.batchSize));
    this.totalSteps = this.stepsPerEpoch * options.epochs;
    mkdirSync(options.outDir, { recursive: true });
    this.checkpointPath = join(options.outDir, 'checkpoint.safetensors');
    this.metricsPath = join(options.outDir, 'metrics.jsonl');
  }

  get epoch(): number {
    return Math.floor(this.step / this.stepsPerEpoch);
  }

  /** The volumes of one micro-batch, drawn uniformly with the data RNG (so a resumed run draws the same). */
  #batchVolumes(): PreparedVolume[] {
    const picks: PreparedVolume[] = [];
    for (let i = 0; i < this.options.batchSize; i++) picks.push(this.volumes[this.rng.integer(this.volumes.length)]);
    return picks;
  }

  /** One optimizer step (accumulating micro-batches); returns its losses. */
  trainStep(): StepMetrics {
    const o = this.options;
    const started = performance.now();
    const epoch = this.epoch;
    const lr = learningRate(this.step, {
      base: o.lrPerVolume * o.batchSize * o.accumulate,
      final: o.minLr,
      warmupSteps: o.warmupEpochs * this.stepsPerEpoch,
      totalSteps: this.totalSteps,
    });
    const weightDecay = learningRate(this.step, { base: o.weightDecay, final: o.weightDecayEnd, warmupSteps: 0, totalSteps: this.totalSteps });
    const momentum = emaMomentum(this.step, this.totalSteps, o.momentumTeacher);
    const temps = { warmup: o.warmupTeacherTemp, final: o.teacherTemp, warmupEpochs: o.warmupTeacherTempEpochs };
    const tempCls = teacherTempCls(epoch, temps);
    const tempPatch = teacherTempPatch(epoch, { ...temps, startEpoch: o.patchTempStartEpoch });
    const sums = { loss: 0, mip: 0, mpd: 0, itd: 0 };

    for (let micro = 0; micro < o.accumulate; micro++) {
      T.tidy(() => {
        const pairs = this.#batchVolumes().map((v) => samplePretrainViews(v.volume, this.recipe, this.rng));
        const images = T.cat([...pairs.map((p) => p.select(0, 0)), ...pairs.map((p) => p.select(0, 1))], 0).unsqueeze(1).contiguous();
        const masks = Array.from({ length: images.size(0) }, () =>
          blockMask(this.recipe.view, { block: o.maskBlock, ratio: o.maskRatio, patch: this.config.patch }, this.rng),
        );
        const tokenMask = T.stack(masks.map((m) => m.tokenMask));
        const patchMask = T.stack(masks.map((m) => m.patchMask));

        const teacherOut = T.noGrad(() => this.teacher.forward(images, undefined, { reconstruct: false }));
        const studentOut = this.student.forward(images, patchMask);
        const mip = mipLoss(images, studentOut.reconstruction!, patchMask, this.config.patch);
        const { mpd, itd } = distillationLosses({
          studentCls: studentOut.cls,
          studentPatch: studentOut.patch,
          teacherCls: teacherOut.cls,
          teacherPatch: teacherOut.patch,
          tokenMask,
          centerCls: this.centerCls,
          centerPatch: this.centerPatch,
          teacherTempCls: tempCls,
          teacherTempPatch: tempPatch,
          studentTemp: o.studentTemp,
          views: 2,
        });
        const loss = mip.add(mpd.mul(o.lambdaMpd)).add(itd.mul(o.lambdaItd));
        const value = loss.item();
        if (!Number.isFinite(value)) {
          throw new Error(`pre-training loss is ${value} at step ${this.step}: stopping (the last checkpoint is intact); try a lower learning rate`);
        }
        loss.div(o.accumulate).backward();
        updateCenters(this.centerCls, this.centerPatch, teacherOut.cls, teacherOut.patch, o.centerMomentum);
        sums.loss += value / o.accumulate;
        sums.mip += mip.item() / o.accumulate;
        sums.mpd += mpd.item() / o.accumulate;
        sums.itd += itd.item() / o.accumulate;
      });
    }

    const params = this.student.parameters();
    clipGradNormPerParam_(params, o.clipGrad);
    if (epoch < o.freezeLastLayerEpochs) for (const p of this.#lastLayerParams) p.zeroGrad();
    this.optimizer.groups[0].options.lr = lr;
    this.optimizer.groups[0].options.weightDecay = weightDecay;
    this.optimizer.groups[1].options.lr = lr;
    this.optimizer.step();
    this.optimizer.zeroGrad();
    emaUpdate(this.teacher, this.student, momentum);
    this.step += 1;
    return { step: this.step, epoch, ...sums, lr, weightDecay, momentum, seconds: (performance.now() - started) / 1000 };
  }

  saveCheckpoint(path = this.checkpointPath): void {
    const optimizer = this.optimizer.stateDict();
    T.tidy(() =>
      writePretrainCheckpoint(path, {
        student: this.student.stateDict(),
        teacher: this.teacher.stateDict(),
        optimizer,
        centerCls: this.centerCls,
        centerPatch: this.centerPatch,
        torchRng: T.getRngState(),
        meta: { step: this.step, dataRng: this.rng.getState(), options: this.options, config: this.config },
      }),
    );
  }

  /** Restores every piece of state written by saveCheckpoint, and drops metrics logged after it. */
  loadCheckpoint(path = this.checkpointPath): void {
    const saved = readPretrainCheckpoint(path);
    const check = (name: string, a: unknown, b: unknown) => {
      if (JSON.stringify(a) !== JSON.stringify(b)) throw new Error(`${path}: checkpoint ${name} differs from this run's (${JSON.stringify(a)} vs ${JSON.stringify(b)})`);
    };
    check('model configuration', saved.meta.config, this.config);
    this.student.loadStateDict(saved.student);
    this.teacher.loadStateDict(saved.teacher);
    this.optimizer.loadStateDict(saved.optimizer);
    T.noGrad(() => {
      this.centerCls.copy_(saved.centerCls);
      this.centerPatch.copy_(saved.centerPatch);
    });
    T.setRngState(saved.torchRng);
    this.rng.setState(saved.meta.dataRng);
    this.step = saved.meta.step;
    T.dispose([...saved.student.values(), ...saved.teacher.values(), saved.centerCls, saved.centerPatch, saved.torchRng]);
    if (existsSync(this.metricsPath)) {
      const kept = readFileSync(this.metricsPath, 'utf8')
        .split('\n')
        .filter((line) => line && JSON.parse(line).step <= this.step);
      writeFileSync(this.metricsPath, kept.map((l) => `${l}\n`).join(''));
    }
  }

  logMetrics(m: StepMetrics): void {
    appendFileSync(this.metricsPath, `${JSON.stringify(m)}\n`);
  }
}
