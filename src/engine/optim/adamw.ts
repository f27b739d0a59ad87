import { zeros, zerosLike } from '../generated/ops.js';
import type { Tensor } from '../tensor.js';
import { Optimizer } from './optimizer.js';

export interface AdamWOptions {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
}

/** AdamW with decoupled weight decay, the same arithmetic as torch.optim.AdamW. */
export class AdamW extends Optimizer<AdamWOptions> {
  constructor(params: Tensor[] | { params: Tensor[]; options?: Partial<AdamWOptions> }[], options: Partial<AdamWOptions> = {}) {
    super(params, { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 1e-2, ...options });
  }

  /** Bias corrections count each parameter's own steps (those where it had a gradient), as torch does. */
  step(): void {
    this.updateEach((p, grad, o) => {
      const t = this.slot(p, 'step', () => zeros([], { dtype: 'float64' })).add_(1).item();
      const bias1 = 1 - o.beta1 ** t;
      const bias2Sqrt = Math.sqrt(1 - o.beta2 ** t);
      const expAvg = this.slot(p, 'exp_avg', () => zerosLike(p));
      const expAvgSq = this.slot(p, 'exp_avg_sq', () => zerosLike(p));
      if (o.weightDecay !== 0) p.mul_(1 - o.lr * o.weightDecay);
      expAvg.lerp_(grad, 1 - o.beta1);
      expAvgSq.mul_(o.beta2).addcmul_(grad, grad, { value: 1 - o.beta2 });
      const denom = expAvgSq.sqrt().div_(bias2Sqrt).add_(o.eps);
      p.addcdiv_(expAvg, denom, { value: -o.lr / bias1 });
    });
  }
}
