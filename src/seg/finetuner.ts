// The state of a SMIT fine-tuning run (segmenter, AdamW, random generator,
// step) and one optimizer step over it: one volume per step, `samples`
// label-balanced crops of it, augmented, Dice + cross-entropy (SMIT-SPEC §3).
import * as T from '../engine/index.js';
import type { Tensor } from '../engine/index.js';
import { AdamW, warmupCosine } from '../engine/optim/index.js';
import { SeededRandom, batchVolumeIndices, transforms } from '../data/index.js';
import { type LoadReport, describeReport } from '../nn/index.js';
import { SmitSegmenter, loadPretrainedBackbone } from '../models/index.js';
import { diceCELoss } from './losses/index.js';
import { dice, nanmean } from './metrics/index.js';
import type { LabelledCase } from './finetune_data.js';
import type { ResolvedFinetuneOptions } from './finetune_options.js';
import type { SegRecipe } from './recipe.js';
import { NonFiniteLossError } from '../util/non_finite_loss.js';
import { predictScan } from './predict.js';

const { balancedCropBoxes, classBalancedCropBoxes, cropBox, randomFlip, randomRotate90, randomScaleIntensity, randomShiftIntensity } = transforms;

export const FINETUNE_CHECKPOINT_FORMAT = 'smit-finetune-checkpoint/1';

export interface FinetuneStepMetrics {
  step: number;
  epoch: number;
  loss: number;
  lossDice: number;
  lossCe: number;
  lr: number;
  seconds: number;
}

export interface ValidationResult {
  step: number;
  /** Dice per class id 1…K−1 (NaN where a case has neither), per case and averaged. */
  perCase: { id: string; dice: number[] }[];
  meanPerClass: number[];
  meanDice: number;
}

export class Finetuner {
  readonly model: SmitSegmenter;
  readonly optimizer: AdamW;
  readonly rng: SeededRandom;
  readonly stepsPerEpoch: number;
  readonly totalSteps: number;
  readonly pretrained: LoadReport | undefined;
  step = 0;
  readonly #encoderParams: Tensor[];

  constructor(
    readonly options: ResolvedFinetuneOptions,
    readonly recipe: SegRecipe,
    readonly classNames: string[],
    readonly train: LabelledCase[],
  ) {
    T.manualSeed(options.seed);
    this.rng = new SeededRandom(options.seed);
    this.model = new SmitSegmenter({ ...options.config, classes: classNames.length }).train();
    this.pretrained = options.pretrained ? loadPretrainedBackbone(this.model, options.pretrained) : undefined;
    this.optimizer = new AdamW([{ params: this.model.parameters() }], { lr: 0, weightDecay: options.weightDecay });
    this.#encoderParams = this.model.namedParameters().filter(([k]) => k.startsWith('transformer.')).map(([, p]) => p);
    this.stepsPerEpoch = train.length;
    this.totalSteps = this.stepsPerEpoch * options.epochs;
  }

  get epoch(): number {
    return Math.floor(this.step / this.stepsPerEpoch);
  }

  learningRate(): number {
    return warmupCosine(this.step, { base: this.options.lr, warmupSteps: this.options.warmupEpochs * this.stepsPerEpoch, totalSteps: this.totalSteps });
  }

  /** The training batch of the current step: `samples` crops [n, 1, ...crop] and labels [n, 1, ...crop]. */
  #batch(): { images: Tensor; labels: Tensor } {
    const o = this.options;
    const [index] = batchVolumeIndices(this.step, { volumes: this.train.length, batchSize: 1, stepsPerEpoch: this.stepsPerEpoch, seed: o.seed });
    const { image, label } = this.train[index].scan;
    const boxes =
      o.cropSampling === 'classes'
        ? classBalancedCropBoxes(label!, this.recipe.crop, { samples: o.samples }, this.rng)
        : balancedCropBoxes(label!, this.recipe.crop, { samples: o.samples, pos: o.positive, neg: o.negative }, this.rng);
    const pairs = boxes.map((box) => {
      let pair = { image: cropBox(image, box), label: cropBox(label!, box) };
      pair = randomRotate90(pair, o.rotateProb, this.rng);
      pair = randomFlip(pair, o.flipProb, this.rng);
      const scaled = randomScaleIntensity(pair.image, 0.1, o.scaleIntensityProb, this.rng);
      return { image: randomShiftIntensity(scaled, 0.1, o.shiftIntensityProb, this.rng), label: pair.label };
    });
    return { images: T.stack(pairs.map((p) => p.image)).contiguous(), labels: T.stack(pairs.map((p) => p.label)).contiguous() };
  }

  trainStep(): FinetuneStepMetrics {
    const started = performance.now();
    const epoch = this.epoch;
    const lr = this.learningRate();
    const values = T.tidy(() => {
      const { images, labels } = this.#batch();
      const terms = T.withPrecision(this.options.precision, () =>
        diceCELoss(this.model.forward(images), labels, { lambdaDice: this.options.lambdaDice, lambdaCe: this.options.lambdaCe }),
      );
      const loss = terms.loss.item();
      if (!Number.isFinite(loss)) throw new NonFiniteLossError('fine-tuning', loss, this.step + 1);
      terms.loss.backward();
      return { loss, lossDice: terms.dice.item(), lossCe: terms.ce.item() };
    });
    if (this.step < this.options.freezeEncoderSteps) for (const p of this.#encoderParams) p.zeroGrad();
    this.optimizer.setLr(lr);
    this.optimizer.step();
    this.optimizer.zeroGrad();
    this.step += 1;
    return { step: this.step, epoch, ...values, lr, seconds: (performance.now() - started) / 1000 };
  }

  /** Sliding-window segmentation of one prepared scan with the validation settings: uint8 labels [X, Y, Z]. */
  predict(scan: LabelledCase['scan']): Tensor {
    return predictScan(this.model, scan, this.recipe, this.options).labels;
  }

  /** Dice per organ on the preprocessed grid of each validation case, as the official validation computes it. */
  validate(cases: readonly LabelledCase[]): ValidationResult {
    const classIds = this.classNames.map((_, i) => i).slice(1);
    const perCase = cases.map((c) => {
      const labels = this.predict(c.scan);
      const scores = T.tidy(() => dice(labels, c.scan.label!.select(0, 0), classIds));
      labels.dispose();
      return { id: c.id, dice: scores };
    });
    const meanPerClass = classIds.map((_, k) => nanmean(perCase.map((c) => c.dice[k])));
    return { step: this.step, perCase, meanPerClass, meanDice: nanmean(meanPerClass) };
  }

  /** Model, optimizer, random generators and step, written atomically; refused (nothing written) when a tensor is not finite. */
  saveCheckpoint(path: string): void {
    const optimizer = this.optimizer.stateDict();
    T.tidy(() => {
      const named: [string, Tensor][] = [
        ...[...this.model.stateDict()].map(([k, t]): [string, Tensor] => [`model.${k}`, t]),
        ...[...optimizer.tensors].map(([k, t]): [string, Tensor] => [`optim.${k}`, t]),
      ];
      const bad = T.firstNonFinite(named);
      if (bad) throw new Error(`step ${this.step}: '${bad}' holds NaN or Inf; no checkpoint written (${path} is left as it was)`);
      named.push(['rng.torch', T.getRngState()]);
      T.saveSafetensors(path, named, {
        format: FINETUNE_CHECKPOINT_FORMAT,
        state: JSON.stringify({ step: this.step, dataRng: this.rng.getState(), optimizer: optimizer.meta, config: this.model.config }),
      });
    });
  }

  /** Restores what saveCheckpoint wrote. */
  loadCheckpoint(path: string): void {
    const { tensors, metadata } = T.loadSafetensors(path);
    try {
      if (metadata.format !== FINETUNE_CHECKPOINT_FORMAT) throw new Error(`${path}: not a smit fine-tuning checkpoint (format '${metadata.format ?? 'none'}')`);
      const state = JSON.parse(metadata.state);
      if (JSON.stringify(state.config) !== JSON.stringify(this.model.config)) {
        throw new Error(`${path}: checkpoint network differs from this run's (${JSON.stringify(state.config)} vs ${JSON.stringify(this.model.config)})`);
      }
      const pick = (prefix: string) =>
        new Map([...tensors].filter(([k]) => k.startsWith(prefix)).map(([k, t]): [string, Tensor] => [k.slice(prefix.length), t]));
      const report = this.model.loadStateDict(pick('model.'), { strict: false });
      if (report.missing.length || report.unexpected.length || report.mismatched.length) throw new Error(`${path}: ${describeReport(report)}`);
      this.optimizer.loadStateDict({ tensors: pick('optim.'), meta: state.optimizer });
      T.setRngState(tensors.get('rng.torch')!);
      this.rng.setState(state.dataRng);
      this.step = state.step;
    } finally {
      // The optimizer keeps its state tensors; everything else was copied.
      T.dispose([...tensors].filter(([k]) => !k.startsWith('optim.')).map(([, t]) => t));
    }
  }
}

