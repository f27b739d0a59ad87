// The state of a SMIT pre-training run (student, EMA teacher, optimizer,
// centres, random generators, step) and one optimizer step over it.
import * as T from '../engine/index.js';
import type { Tensor } from '../engine/index.js';
import { AdamW, clipGradNormPerParam_, warmupCosine } from '../engine/optim/index.js';
import { type SmitConfig, SmitNetwork, smitConfig } from '../models/index.js';
import { blockMask } from './block_mask.js';
import type { DistillationDiagnostics } from './diagnostics.js';
import { NonFiniteLossError } from '../util/non_finite_loss.js';
import { emaUpdate } from './ema.js';
import { SeededRandom, batchVolumeIndices, defaultStepsPerEpoch } from '../data/index.js';
import { updateCenters } from './losses.js';
import { type NamedParamGroup, pretrainParamGroups } from './param_groups.js';
import { type PretrainOptions, validatePretrainOptions } from './pretrain_options.js';
import { readPretrainCheckpoint, writePretrainCheckpoint } from './pretrain_checkpoint.js';
import type { PretrainVolumes } from './pretrain_data.js';
import { type StepLosses, pretrainLosses } from './pretrain_step.js';
import { type PretrainRecipe, recipeFromOptions, samplePretrainViews } from './recipe.js';
import { emaMomentum, teacherTempCls, teacherTempPatch } from './schedules.js';

export type StepMetrics = { step: number; epoch: number } & StepLosses['values'] & {
  diagnostics: DistillationDiagnostics;
  lr: number;
  weightDecay: number;
  momentum: number;
  teacherTempItd: number;
  teacherTempMpd: number;
  seconds: number;
};

export class Pretrainer {
  readonly config: SmitConfig;
  readonly recipe: PretrainRecipe;
  readonly student: SmitNetwork;
  readonly teacher: SmitNetwork;
  readonly groups: NamedParamGroup[];
  readonly optimizer: AdamW;
  readonly centerCls: Tensor;
  readonly centerPatch: Tensor;
  /** Crops and masks; batches come from `epoch_batches`, a pure function of the seed and step. */
  readonly rng: SeededRandom;
  readonly stepsPerEpoch: number;
  readonly totalSteps: number;
  /** What `--precision` resolved to on this machine (recorded in every checkpoint). */
  readonly precision: T.ResolvedPrecision;
  step = 0;
  readonly #lastLayerParams: Tensor[];

  constructor(readonly options: PretrainOptions, readonly volumes: PretrainVolumes) {
    validatePretrainOptions(options);
    this.config = smitConfig(options.config, options.configOverrides);
    this.recipe = recipeFromOptions(options, this.config);
    T.manualSeed(options.seed);
    this.rng = new SeededRandom(options.seed);
    this.student = new SmitNetwork(this.config, 'student').train();
    // Deliberate deviation: the teacher starts as a copy of the student and runs without drop-path (iBOT, DINO).
    this.teacher = new SmitNetwork({ ...this.config, dropPathRate: 0 }, 'teacher').eval();
    const shared = new Map([...this.student.stateDict()].filter(([k]) => k !== 'transformer.mask_token'));
    this.teacher.loadStateDict(shared);
    this.teacher.requiresGrad_(false);
    this.centerCls = T.keep(T.zeros([1, 1, this.config.outDim]));
    this.centerPatch = T.keep(T.zeros([1, 1, this.config.outDim]));
    this.groups = pretrainParamGroups(this.student, options.weightDecayExempt);
    this.optimizer = new AdamW(
      this.groups.map((g) => ({ params: g.params, options: g.name === 'exempt' ? { weightDecay: 0 } : {} })),
      { lr: 0, weightDecay: options.weightDecay },
    );
    this.#lastLayerParams = this.student.namedParameters().filter(([k]) => k.includes('.last_layer.')).map(([, p]) => p);
    this.stepsPerEpoch = options.stepsPerEpoch ?? defaultStepsPerEpoch(volumes.count, options.batchSize);
    this.totalSteps = this.stepsPerEpoch * options.epochs;
    this.precision = T.resolvePrecision(options.precision);
  }

  get epoch(): number {
    return Math.floor(this.step / this.stepsPerEpoch);
  }

  /** Learning rate, weight decay, EMA momentum and teacher temperatures of the current step. */
  schedule(): { lr: number; weightDecay: number; momentum: number; teacherTempItd: number; teacherTempMpd: number } {
    const o = this.options;
    const temps = { warmup: o.warmupTeacherTemp, final: o.teacherTemp, warmupEpochs: o.warmupTeacherTempEpochs };
    return {
      lr: warmupCosine(this.step, {
        base: o.lrPerVolume * o.batchSize * o.accumulate,
        final: o.minLr,
        warmupSteps: o.warmupEpochs * this.stepsPerEpoch,
        totalSteps: this.totalSteps,
      }),
      weightDecay: warmupCosine(this.step, { base: o.weightDecay, final: o.weightDecayEnd, warmupSteps: 0, totalSteps: this.totalSteps }),
      momentum: emaMomentum(this.step, this.totalSteps, o.momentumTeacher),
      teacherTempItd: teacherTempCls(this.epoch, temps),
      teacherTempMpd: teacherTempPatch(this.epoch, { ...temps, startEpoch: o.patchTempStartEpoch }),
    };
  }

  /** Indices of the volumes of micro-batch `micro` of the current step. */
  #batchVolumes(micro: number): number[] {
    const o = this.options;
    return batchVolumeIndices(this.step * o.accumulate + micro, {
      volumes: this.volumes.count,
      batchSize: o.batchSize,
      stepsPerEpoch: this.stepsPerEpoch * o.accumulate,
      seed: o.seed,
    });
  }

  /** One optimizer step (accumulating micro-batches); returns what it logs. */
  trainStep(): StepMetrics {
    const o = this.options;
    const started = performance.now();
    const epoch = this.epoch;
    const s = this.schedule();
    let values: StepLosses['values'] | undefined;
    let diagnostics: DistillationDiagnostics | undefined;
    const mean = <V extends object>(sum: V | undefined, add: V): V =>
      Object.fromEntries(
        Object.entries(add).map(([k, v]) => [k, typeof v === 'number' ? ((sum as Record<string, number>)?.[k] ?? 0) + v / o.accumulate : mean((sum as Record<string, object>)?.[k], v)]),
      ) as V;

    for (let micro = 0; micro < o.accumulate; micro++) {
      T.tidy(() => {
        const pairs = this.#batchVolumes(micro).map((i) => this.volumes.use(i, (v) => samplePretrainViews(v, this.recipe, this.rng)));
        const images = T.cat([...pairs.map((p) => p.select(0, 0)), ...pairs.map((p) => p.select(0, 1))], 0).unsqueeze(1).contiguous();
        const masks = Array.from({ length: images.size(0) }, () =>
          blockMask(this.recipe.view, { block: o.maskBlock, ratio: o.maskRatio, patch: this.config.patch }, this.rng),
        );
        const out = T.withPrecision(this.precision, () => pretrainLosses(
          this.student,
          this.teacher,
          { images, patchMask: T.stack(masks.map((m) => m.patchMask)), tokenMask: T.stack(masks.map((m) => m.tokenMask)) },
          { ...s, studentTemp: o.studentTemp, lambdaMpd: o.lambdaMpd, lambdaItd: o.lambdaItd, maskBlock: o.maskBlock, centerCls: this.centerCls, centerPatch: this.centerPatch },
        ));
        if (!Number.isFinite(out.values.lossTotal)) throw new NonFiniteLossError('pre-training', out.values.lossTotal, this.step + 1);
        out.total.div(o.accumulate).backward();
        updateCenters(this.centerCls, this.centerPatch, out.teacherCls, out.teacherPatch, o.centerMomentum);
        values = mean(values, out.values);
        diagnostics = mean(diagnostics, out.diagnostics);
      });
    }

    if (o.clipGrad > 0) clipGradNormPerParam_(this.student.parameters(), o.clipGrad);
    if (epoch < o.freezeLastLayerEpochs) for (const p of this.#lastLayerParams) p.zeroGrad();
    this.optimizer.groups.forEach((group, i) => {
      group.options.lr = s.lr;
      if (this.groups[i].name === 'decayed') group.options.weightDecay = s.weightDecay;
    });
    this.optimizer.step();
    this.optimizer.zeroGrad();
    emaUpdate(this.teacher, this.student, s.momentum);
    this.step += 1;
    return { step: this.step, epoch, ...values!, diagnostics: diagnostics!, ...s, seconds: (performance.now() - started) / 1000 };
  }

  /** Writes every piece of state atomically; refuses (writing nothing) when any tensor is not finite. */
  saveCheckpoint(path: string): void {
    const optimizer = this.optimizer.stateDict();
    T.tidy(() => {
      const state = {
        student: this.student.stateDict(),
        teacher: this.teacher.stateDict(),
        optimizer,
        centerCls: this.centerCls,
        centerPatch: this.centerPatch,
        torchRng: T.getRngState(),
        meta: { step: this.step, dataRng: this.rng.getState(), options: this.options, precision: this.precision, config: this.config },
      };
      const named: [string, Tensor][] = [
        ...[...state.student].map(([k, t]): [string, Tensor] => [`student.${k}`, t]),
        ...[...state.teacher].map(([k, t]): [string, Tensor] => [`teacher.${k}`, t]),
        ...[...optimizer.tensors].map(([k, t]): [string, Tensor] => [`optim.${k}`, t]),
        ['center_cls', state.centerCls],
        ['center_patch', state.centerPatch],
      ];
      const bad = T.firstNonFinite(named);
      if (bad) throw new Error(`step ${this.step}: '${bad}' holds NaN or Inf; no checkpoint written (${path} is left as it was)`);
      writePretrainCheckpoint(path, state);
    });
  }

  /** Restores every piece of state written by saveCheckpoint. */
  loadCheckpoint(path: string): void {
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
    T.dispose([...new Set([...saved.student.values(), ...saved.teacher.values()]), saved.centerCls, saved.centerPatch, saved.torchRng]);
  }
}

