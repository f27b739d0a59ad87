import type { Tensor } from '../engine/index.js';
import { Module } from './module.js';

export interface Layer extends Module {
  forward(x: Tensor): Tensor;
}

/** Children named 0, 1, 2, … applied in order. */
export class Sequential extends Module {
  readonly layers: Layer[];

  constructor(...layers: Layer[]) {
    super();
    this.layers = layers.map((layer, i) => this.module(String(i), layer));
  }

  forward(x: Tensor): Tensor {
    let out = x;
    for (const layer of this.layers) out = layer.forward(out);
    return out;
  }
}

/** Children named 0, 1, 2, …; the owner decides how they run. */
export class ModuleList<M extends Module> extends Module {
  readonly items: M[];

  constructor(items: M[]) {
    super();
    this.items = items.map((item, i) => this.module(String(i), item));
  }

  get length(): number {
    return this.items.length;
  }
}
