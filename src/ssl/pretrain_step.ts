// One SMIT pre-training forward (SMIT-SPEC §2) as a pure function of the
// networks, a batch and the step's hyper-parameters: the losses to
// back-propagate, what to log, and the teacher outputs the centres follow.
import * as T from '../engine/index.js';
import type { Tensor } from '../engine/index.js';
import type { SmitNetwork } from '../models/index.js';
import { type DistillationDiagnostics, distillationDiagnostics } from './diagnostics.js';
import { blockMeanBaseline, distillationDistributions, distillationLosses, mipLoss, visibleMeanBaseline } from './losses.js';

export interface PretrainBatch {
  /** [2B, 1, X, Y, Z]: the first views of B volumes, then their second views. */
  images: Tensor;
  /** Patch-token masks [2B, X/p, Y/p, Z/p] and the same at distillation-token level. */
  patchMask: Tensor;
  tokenMask: Tensor;
}

export interface StepHyper {
  teacherTempItd: number;
  teacherTempMpd: number;
  studentTemp: number;
  lambdaMpd: number;
  lambdaItd: number;
  maskBlock: number;
  centerCls: Tensor;
  centerPatch: Tensor;
}

export interface StepLosses {
  /** L_MIP + λ_MPD·L_MPD + λ_ITD·L_ITD, with gradient. */
  total: Tensor;
  values: {
    lossTotal: number;
    lossMip: number;
    lossMpd: number;
    lossItd: number;
    lossMpdWeighted: number;
    lossItdWeighted: number;
    mipBlockMeanBaseline: number;
    mipVisibleMeanBaseline: number;
  };
  diagnostics: DistillationDiagnostics;
  teacherCls: Tensor;
  teacherPatch: Tensor;
}

export function pretrainLosses(student: SmitNetwork, teacher: SmitNetwork, batch: PretrainBatch, h: StepHyper): StepLosses {
  const patch = student.config.patch;
  const teacherOut = T.noGrad(() => teacher.forward(batch.images, undefined, { reconstruct: false }));
  const studentOut = student.forward(batch.images, batch.patchMask);
  const mip = mipLoss(batch.images, studentOut.reconstruction!, batch.patchMask, patch);
  const inputs = {
    studentCls: studentOut.cls,
    studentPatch: studentOut.patch,
    teacherCls: teacherOut.cls,
    teacherPatch: teacherOut.patch,
    tokenMask: batch.tokenMask,
    centerCls: h.centerCls,
    centerPatch: h.centerPatch,
    teacherTempCls: h.teacherTempItd,
    teacherTempPatch: h.teacherTempMpd,
    studentTemp: h.studentTemp,
    views: 2,
  };
  const distributions = distillationDistributions(inputs);
  const { mpd, itd } = distillationLosses(inputs, distributions);
  const total = mip.add(mpd.mul(h.lambdaMpd)).add(itd.mul(h.lambdaItd));
  const [lossMip, lossMpd, lossItd] = [mip.item(), mpd.item(), itd.item()];
  return {
    total,
    values: {
      lossTotal: total.item(),
      lossMip,
      lossMpd,
      lossItd,
      lossMpdWeighted: h.lambdaMpd * lossMpd,
      lossItdWeighted: h.lambdaItd * lossItd,
      mipBlockMeanBaseline: blockMeanBaseline(batch.images, batch.patchMask, patch, h.maskBlock).item(),
      mipVisibleMeanBaseline: visibleMeanBaseline(batch.images, batch.patchMask, patch).item(),
    },
    diagnostics: distillationDiagnostics(distributions),
    teacherCls: teacherOut.cls,
    teacherPatch: teacherOut.patch,
  };
}
