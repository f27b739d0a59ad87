// Collapse diagnostics of the two distillation branches (DINO/iBOT): a
// collapsed teacher puts every token on one prototype (batch-mean entropy and
// prototype count fall to ~0) or spreads uniformly (teacher entropy at log K);
// a learning student follows its teacher (KL falls, agreement rises).
import * as T from '../engine/index.js';
import type { Tensor } from '../engine/index.js';
import type { DistillationDistributions } from './losses.js';

export interface BranchDiagnostics {
  /** Mean entropy of the teacher's distributions (nats; log K = uniform). */
  teacherEntropy: number;
  /** Mean KL(teacher ‖ student) = cross-entropy − teacher entropy. */
  klTeacherStudent: number;
  /** Entropy of the batch-mean teacher distribution (low = every row on the same prototypes). */
  batchMeanEntropy: number;
  /** Distinct prototypes that are some row's teacher argmax. */
  teacherPrototypes: number;
  /** Fraction of rows whose student and teacher argmax agree. */
  argmaxAgreement: number;
}

export interface DistillationDiagnostics {
  itd: BranchDiagnostics;
  mpd: BranchDiagnostics;
}

/** Rows [n, K] of teacher probabilities and student log-probabilities, compared as the losses compare them. */
function branch(teacher: Tensor, studentLog: Tensor): BranchDiagnostics {
  return T.tidy(() => {
    const entropy = teacher.neg().mul(teacher.clamp(1e-12).log()).sum(-1);
    const crossEntropy = teacher.neg().mul(studentLog).sum(-1);
    const mean = teacher.mean(0);
    const teacherArgmax = teacher.argmax(-1);
    return {
      teacherEntropy: entropy.mean().item(),
      klTeacherStudent: crossEntropy.sub(entropy).mean().item(),
      batchMeanEntropy: mean.neg().mul(mean.clamp(1e-12).log()).sum().item(),
      teacherPrototypes: new Set(teacherArgmax.toArray()).size,
      argmaxAgreement: teacherArgmax.eq(studentLog.argmax(-1)).to('float32').mean().item(),
    };
  });
}

/** ITD over the cross-view pairs the loss uses; MPD over the masked tokens of each view. */
export function distillationDiagnostics(d: DistillationDistributions): DistillationDiagnostics {
  return T.tidy(() =>
    T.noGrad(() => {
      const views = d.teacherCls.length;
      const k = d.teacherCls[0].size(-1);
      const clsTeacher: Tensor[] = [];
      const clsStudent: Tensor[] = [];
      const patchTeacher: Tensor[] = [];
      const patchStudent: Tensor[] = [];
      for (let q = 0; q < views; q++) {
        const masked = d.masks[q].reshape([-1]).gt(0).nonzero().reshape([-1]);
        patchTeacher.push(d.teacherPatch[q].reshape([-1, k]).indexSelect(0, masked));
        patchStudent.push(d.studentPatch[q].detach().reshape([-1, k]).indexSelect(0, masked));
        for (let v = 0; v < views; v++) {
          if (v === q) continue;
          clsTeacher.push(d.teacherCls[q].reshape([-1, k]));
          clsStudent.push(d.studentCls[v].detach().reshape([-1, k]));
        }
      }
      return {
        itd: branch(T.cat(clsTeacher, 0), T.cat(clsStudent, 0)),
        mpd: branch(T.cat(patchTeacher, 0), T.cat(patchStudent, 0)),
      };
    }),
  );
}
