// Base of the optimizers: parameter groups with their own hyper-parameters,
// per-parameter state tensors, and a state dict that round-trips through
// safetensors (tensors) + JSON (numbers).
import { noGrad } from '../autograd.js';
import { keep, tidy } from '../scope.js';
import type { Tensor } from '../tensor.js';

export interface ParamGroup<H> {
  params: Tensor[];
  options: H;
}

export interface OptimizerState {
  /** Per-parameter state tensors, named `<param index>.<slot>`. */
  tensors: Map<string, Tensor>;
  /** Step counters and the groups' hyper-parameters. */
  meta: { step: number; groups: unknown[] };
}

export abstract class Optimizer<H extends { lr: number }> {
  readonly groups: ParamGroup<H>[];
  stepCount = 0;
  protected readonly state = new Map<Tensor, Record<string, Tensor>>();

  constructor(params: Tensor[] | { params: Tensor[]; options?: Partial<H> }[], defaults: H) {
    const list = params.length > 0 && !('params' in params[0]) ? [{ params: params as Tensor[] }] : (params as { params: Tensor[]; options?: Partial<H> }[]);
    this.groups = list.map((g) => ({ params: g.params, options: { ...defaults, ...(g.options ?? {}) } }));
    const seen = new Set<Tensor>();
    for (const g of this.groups) {
      for (const p of g.params) {
        if (seen.has(p)) throw new Error('optimizer: a parameter appears in more than one group');
        seen.add(p);
      }
    }
  }

  abstract step(): void;

  /** One optimizer step: `update` runs for every parameter that has a gradient, without autograd, in a scope. */
  protected updateEach(update: (param: Tensor, grad: Tensor, options: H) => void): void {
    this.stepCount += 1;
    noGrad(() => {
      for (const { params, options } of this.groups) {
        for (const p of params) {
          tidy(() => {
            const grad = p.grad;
            if (grad !== undefined) update(p, grad, options);
          });
        }
      }
    });
  }

  /** Sets every group's learning rate. */
  setLr(lr: number): void {
    for (const g of this.groups) g.options.lr = lr;
  }

  zeroGrad(): void {
    for (const g of this.groups) for (const p of g.params) p.zeroGrad();
  }

  protected slot(param: Tensor, name: string, init: () => Tensor): Tensor {
    let entry = this.state.get(param);
    if (entry === undefined) {
      entry = {};
      this.state.set(param, entry);
    }
    entry[name] ??= keep(init());
    return entry[name];
  }

  private orderedParams(): Tensor[] {
    return this.groups.flatMap((g) => g.params);
  }

  stateDict(): OptimizerState {
    const tensors = new Map<string, Tensor>();
    this.orderedParams().forEach((p, i) => {
      for (const [name, t] of Object.entries(this.state.get(p) ?? {})) tensors.set(`${i}.${name}`, t);
    });
    return { tensors, meta: { step: this.stepCount, groups: this.groups.map((g) => ({ ...g.options })) } };
  }

  /**
   * Takes over the tensors of `saved` (this optimizer disposes them when replaced): pass
   * freshly loaded state, or this optimizer's own stateDict(), not another live optimizer's.
   * Everything is checked before the current state is touched.
   */
  loadStateDict(saved: OptimizerState): void {
    const params = this.orderedParams();
    if (saved.meta.groups.length !== this.groups.length) {
      throw new Error(`optimizer state has ${saved.meta.groups.length} parameter groups, this optimizer ${this.groups.length}`);
    }
    const entries: [Tensor, string, Tensor][] = [];
    for (const [key, t] of saved.tensors) {
      const [index, name] = [Number(key.slice(0, key.indexOf('.'))), key.slice(key.indexOf('.') + 1)];
      const param = params[index];
      if (param === undefined) throw new Error(`optimizer state names parameter ${index}, but there are ${params.length}`);
      const shape = param.shape.join('×');
      if (t.ndim > 0 && t.shape.join("×") !== shape) throw new Error(`optimizer state '${key}' has shape ${t.shape.join('×')}, parameter ${shape}`);
      entries.push([param, name, t]);
    }
    // Reloading this optimizer's own stateDict() must not dispose the tensors it keeps.
    const incoming = new Set(saved.tensors.values());
    for (const entry of this.state.values()) for (const t of Object.values(entry)) if (!incoming.has(t)) t.dispose();
    this.state.clear();
    for (const [param, name, t] of entries) {
      const entry = this.state.get(param) ?? {};
      entry[name] = keep(t);
      this.state.set(param, entry);
    }
    this.stepCount = saved.meta.step;
    saved.meta.groups.forEach((g, i) => Object.assign(this.groups[i].options, g));
  }
}
