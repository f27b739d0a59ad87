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

/**
 * MPD: per view, cross-entropy of teacher and student patch distributions on
 * the masked tokens, averaged per image over its masked tokens, then over the
 * batch. ITD: cross-entropy of the teacher's global distribution of one view
 * against the student's of every other view. Both unweighted.
 */
export function distillationLosses(o: DistillationInputs): { mpd: Tensor; itd: Tensor } {
  const sCls = o.studentCls.div(o.studentTemp).logSoftmax(-1).chunk(o.views);
  const sPatch = o.studentPatch.div(o.studentTemp).logSoftmax(-1).chunk(o.views);
  const tCls = T.noGrad(() => o.teacherCls.sub(o.centerCls).div(o.teacherTempCls).softmax(-1)).chunk(o.views);
  const tPatch = T.noGrad(() => o.teacherPatch.sub(o.centerPatch).div(o.teacherTempPatch).softmax(-1)).chunk(o.views);
  const masks = o.tokenMask.flatten(1).to(o.studentPatch.dtype).chunk(o.views);
  const mpdTerms: Tensor[] = [];
  const itdTerms: Tensor[] = [];
  for (let q = 0; q < o.views; q++) {
    for (let v = 0; v < o.views; v++) {
      if (q === v) {
        const perToken = tPatch[q].neg().mul(sPatch[v]).sum(-1); // [b, N]
        const m = masks[v];
        mpdTerms.push(perToken.mul(m).sum(-1).div(m.sum(-1).clamp(1)).mean());
      } else {
        itdTerms.push(tCls[q].neg().mul(sCls[v]).sum(-1).mean());
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
