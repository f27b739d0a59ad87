import { noGrad } from '../autograd.js';
import { tidy } from '../scope.js';
import { stack } from '../generated/ops.js';
import type { Tensor } from '../tensor.js';

/** Scales all gradients together so their joint L2 norm is at most maxNorm (torch.nn.utils.clip_grad_norm_). Returns the norm before clipping. */
export function clipGradNorm_(params: Tensor[], maxNorm: number): number {
  return tidy(() =>
    noGrad(() => {
      const grads = params.map((p) => p.grad).filter((g): g is Tensor => g !== undefined);
      if (grads.length === 0) return 0;
      const total = stack(grads.map((g) => g.norm())).norm().item();
      const coef = maxNorm / (total + 1e-6);
      if (coef < 1) for (const g of grads) g.mul_(coef);
      return total;
    }),
  );
}

/** Clips each parameter's gradient norm separately (the iBOT/DINO recipe). Returns each norm before clipping. */
export function clipGradNormPerParam_(params: Tensor[], maxNorm: number): number[] {
  return tidy(() =>
    noGrad(() =>
      params.map((p) => {
        const g = p.grad;
        if (g === undefined) return 0;
        const norm = g.norm().item();
        const coef = maxNorm / (norm + 1e-6);
        if (coef < 1) g.mul_(coef);
        return norm;
      }),
    ),
  );
}
