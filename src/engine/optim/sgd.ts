import { clone } from '../generated/ops.js';
import type { Tensor } from '../tensor.js';
import { Optimizer } from './optimizer.js';

export interface SGDOptions {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
}

/** Stochastic gradient descent, the same arithmetic as torch.optim.SGD. */
export class SGD extends Optimizer<SGDOptions> {
  constructor(params: Tensor[] | { params: Tensor[]; options?: Partial<SGDOptions> }[], options: Partial<SGDOptions> = {}) {
    super(params, { lr: 1e-2, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, ...options });
    for (const g of this.groups) {
      if (g.options.nesterov && (g.options.momentum <= 0 || g.options.dampening !== 0)) {
        throw new Error('SGD: nesterov momentum needs momentum > 0 and dampening 0');
      }
    }
  }

  step(): void {
    this.updateEach((p, grad, o) => {
      let d = grad;
      if (o.weightDecay !== 0) d = d.add(p, { alpha: o.weightDecay });
      if (o.momentum !== 0) {
        const fresh = !this.state.get(p)?.momentum_buffer;
        const buf = this.slot(p, 'momentum_buffer', () => clone(d));
        if (!fresh) buf.mul_(o.momentum).add_(d, { alpha: 1 - o.dampening });
        d = o.nesterov ? d.add(buf, { alpha: o.momentum }) : buf;
      }
      p.add_(d, { alpha: -o.lr });
    });
  }
}
