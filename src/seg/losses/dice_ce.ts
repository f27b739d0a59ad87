// The fine-tuning loss (SMIT-SPEC §3): MONAI's DiceCELoss(to_onehot_y=True,
// softmax=True, squared_pred=True, smooth_nr=0, smooth_dr=1e-6), as the
// official fine_tuning_swin_3D.py builds it.
import * as T from '../../engine/index.js';
import type { Tensor } from '../../engine/index.js';

export interface DiceCEOptions {
  lambdaDice?: number;
  lambdaCe?: number;
  smoothNr?: number;
  smoothDr?: number;
}

export interface DiceCELossTerms {
  /** lambdaDice · dice + lambdaCe · ce */
  loss: Tensor;
  dice: Tensor;
  ce: Tensor;
}

/**
 * logits [B, K, X, Y, Z], labels [B, 1, X, Y, Z] (or [B, X, Y, Z]) of
 * integer class ids in [0, K). Dice term: softmax probabilities p against
 * one-hot labels g, background included, per (batch, class)
 * 1 − (2·Σpg + smoothNr) / (Σp² + Σg² + smoothDr) over the spatial axes,
 * averaged over batch and classes. CE term: mean cross-entropy per voxel.
 */
export function diceCELoss(logits: Tensor, labels: Tensor, options: DiceCEOptions = {}): DiceCELossTerms {
  const { lambdaDice = 1, lambdaCe = 1, smoothNr = 0, smoothDr = 1e-6 } = options;
  if (logits.ndim < 3) throw new RangeError(`logits must be [B, K, ...spatial], got [${logits.shape.join(', ')}]`);
  const classes = logits.size(1);
  return T.tidy(() => {
    const targets = classTargets(logits, labels);
    // An id outside [0, K) would be a device-side assert in CUDA's cross-entropy: check here.
    if (targets.lt(0).logicalOr(targets.ge(classes)).any().item()) {
      throw new RangeError(`labels must be class ids in [0, ${classes}) for ${classes}-class logits`);
    }
    const spatial = Array.from({ length: logits.ndim - 2 }, (_, i) => i + 2);
    const probabilities = logits.softmax(1);
    const classIds = T.arange(0, classes, 1, { device: logits.device }).view([1, classes, ...spatial.map(() => 1)]);
    const oneHot = targets.unsqueeze(1).eq(classIds).to(probabilities.dtype);
    const intersection = probabilities.mul(oneHot).sum(spatial);
    // squared_pred: Σg² = Σg for one-hot g, but written as MONAI computes it.
    const denominator = oneHot.square().sum(spatial).add(probabilities.square().sum(spatial));
    const dice = intersection.mul(2).add(smoothNr).div(denominator.add(smoothDr)).neg().add(1).mean();
    const ce = T.crossEntropy(logits, targets);
    return { loss: dice.mul(lambdaDice).add(ce.mul(lambdaCe)), dice, ce };
  });
}

/** labels as int64 [B, X, Y, Z], the layout cross-entropy takes. */
function classTargets(logits: Tensor, labels: Tensor): Tensor {
  const spatial = logits.shape.slice(2);
  const shape = labels.shape;
  const batch = logits.size(0);
  const withChannel = shape.length === logits.ndim && shape[1] === 1 && shape.slice(2).join() === spatial.join();
  const withoutChannel = shape.length === logits.ndim - 1 && shape.slice(1).join() === spatial.join();
  if (shape[0] !== batch || !(withChannel || withoutChannel)) {
    throw new RangeError(`labels [${shape.join(', ')}] do not fit logits [${logits.shape.join(', ')}]: expected [B, 1, ...spatial]`);
  }
  if (labels.dtype.startsWith('float')) throw new TypeError(`labels must hold integer class ids, got ${labels.dtype}`);
  return (withChannel ? labels.squeeze(1) : labels).to('int64');
}

/** The loss as a reusable object, like MONAI's DiceCELoss module. */
export class DiceCELoss {
  constructor(readonly options: DiceCEOptions = {}) {}

  forward(logits: Tensor, labels: Tensor): DiceCELossTerms {
    return diceCELoss(logits, labels, this.options);
  }
}
