// SMIT's three pre-training losses (SMIT-SPEC §2), from network outputs.
import * as T from '../engine/index.js';
import type { Tensor } from '../engine/index.js';

/** Token mask [B, d, h, w] → voxel mask [B, 1, d·f, h·f, w·f]. */
export function upsampleMask(mask: Tensor, factor: number): Tensor {
  return mask.repeatInterleave(factor, 1).repeatInterleave(factor, 2).repeatInterleave(factor, 3).unsqueeze(1);
}

/**
 * Masked image prediction: mean |x̂ − x| over masked voxels only.
 * patchMask: [B, D/p, H/p, W/p] at patch-token level, 1 = masked.
 */
export function mipLoss(input: Tensor, reconstruction: Tensor, patchMask: Tensor, patch: number): Tensor {
  const m = upsampleMask(patchMask, patch).to(input.dtype);
  const l1 = reconstruction.sub(input).abs();
  return l1.mul(m).sum().div(m.sum().add(1e-5)).div(input.size(1));
}

export interface DistillationInputs {
  studentCls: Tensor; // [B, 1, K]
  studentPatch: Tensor; // [B, N, K]
  teacherCls: Tensor;
  teacherPatch: Tensor;
  /** Distillation-token mask [B, d, h, w] (1 = masked), row-aligned with the batch. */
  tokenMask: Tensor;
  centerCls: Tensor; // [1, 1, K]
  centerPatch: Tensor; // [1, 1, K]
  teacherTempCls: number;
  teacherTempPatch: number;
  studentTemp: number;
  /** The batch holds `views` chunks (chunk v = view v of every volume). */
  views: number;
}

/** The distributions both distillation losses compare, each split into `views` chunks (chunk v = view v of every volume). */
export interface DistillationDistributions {
  /** Student log-softmax(s / τ_s): global [b, 1, K] and patch [b, N, K] per view. */
  studentCls: Tensor[];
  studentPatch: Tensor[];
  /** Teacher softmax((t − c) / τ_t), no gradient. */
  teacherCls: Tensor[];
  teacherPatch: Tensor[];
  /** Distillation-token masks [b, N] per view (1 = masked). */
  masks: Tensor[];
}

export function distillationDistributions(o: DistillationInputs): DistillationDistributions {
  return {
    studentCls: o.studentCls.div(o.studentTemp).logSoftmax(-1).chunk(o.views),
    studentPatch: o.studentPatch.div(o.studentTemp).logSoftmax(-1).chunk(o.views),
    teacherCls: T.noGrad(() => o.teacherCls.sub(o.centerCls).div(o.teacherTempCls).softmax(-1)).chunk(o.views),
    teacherPatch: T.noGrad(() => o.teacherPatch.sub(o.centerPatch).div(o.teacherTempPatch).softmax(-1)).chunk(o.views),
    masks: o.tokenMask.flatten(1).to(o.studentPatch.dtype).chunk(o.views),
  };
}

/**
 * MPD: per view, cross-entropy of teacher and student patch distributions on
 * the masked tokens, averaged per image over its masked tokens, then over the
 * batch. ITD: cross-entropy of the teacher's global distribution of one view
 * against the student's of every other view. Both unweighted.
 */
export function distillationLosses(o: DistillationInputs, d = distillationDistributions(o)): { mpd: Tensor; itd: Tensor } {
  const mpdTerms: Tensor[] = [];
  const itdTerms: Tensor[] = [];
  for (let q = 0; q < o.views; q++) {
    for (let v = 0; v < o.views; v++) {
      if (q === v) {
        const perToken = d.teacherPatch[q].neg().mul(d.studentPatch[v]).sum(-1); // [b, N]
        const m = d.masks[v];
        mpdTerms.push(perToken.mul(m).sum(-1).div(m.sum(-1).clamp(1)).mean());
      } else {
        itdTerms.push(d.teacherCls[q].neg().mul(d.studentCls[v]).sum(-1).mean());
      }
    }
  }
  const average = (terms: Tensor[]) => (terms.length === 0 ? T.zeros([]) : T.stack(terms).mean());
  return { mpd: average(mpdTerms), itd: average(itdTerms) };
}

/** Centres follow the teacher outputs' batch mean: c ← m·c + (1−m)·mean. In place. */
export function updateCenters(centerCls: Tensor, centerPatch: Tensor, teacherCls: Tensor, teacherPatch: Tensor, momentum: number): void {
  T.tidy(() =>
    T.noGrad(() => {
      const clsMean = teacherCls.mean(0, true); // [1, 1, K]
      const patchMean = teacherPatch.mean(1).mean(0, true).view(centerPatch.shape);
      centerCls.mul_(momentum).add_(clsMean, { alpha: 1 - momentum });
      centerPatch.mul_(momentum).add_(patchMean, { alpha: 1 - momentum });
    }),
  );
}

/**
 * What L_MIP is worth, from above: the loss of predicting every masked voxel
 * by the mean of the view's visible voxels (a student that learned only the
 * overall brightness). A student below it uses the context.
 */
export function visibleMeanBaseline(input: Tensor, patchMask: Tensor, patch: number): Tensor {
  return T.tidy(() =>
    T.noGrad(() => {
      const visible = upsampleMask(patchMask, patch).to(input.dtype).neg().add(1);
      const mean = input.mul(visible).sum([1, 2, 3, 4], true).div(visible.sum([1, 2, 3, 4], true).clamp(1));
      return mipLoss(input, mean.expandAs(input), patchMask, patch);
    }),
  );
}

/**
 * What L_MIP is worth, from below: the loss of predicting every masked 16³
 * block by the input's own mean over that block — an oracle that knows each
 * hidden block's brightness. A student below it reconstructs structure inside
 * the blocks.
 */
export function blockMeanBaseline(input: Tensor, patchMask: Tensor, patch: number, block: number): Tensor {
  return T.tidy(() =>
    T.noGrad(() => {
      let means = input.avgPool3d(block);
      for (const axis of [2, 3, 4]) means = means.repeatInterleave(block, axis);
      return mipLoss(input, means, patchMask, patch);
    }),
  );
}
