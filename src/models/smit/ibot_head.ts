import type { Tensor } from '../../engine/index.js';
import { GELU, Linear, Module, Sequential, WeightNormLinear } from '../../nn/index.js';
import { truncNormal_ } from '../../nn/init.js';
import * as T from '../../engine/index.js';

/**
 * iBOT projection head: MLP (Linear, GELU, Linear, GELU, Linear) to a
 * bottleneck, L2-normalised, then a weight-normalised Linear to the
 * prototypes. The published checkpoints hold two last layers; the forward
 * pass uses `last_layer2` (stored as buffers, so never trained) — kept so
 * their checkpoints load and compute the same.
 */
export class IBOTHead extends Module {
  readonly mlp: Sequential;
  readonly lastLayer: WeightNormLinear;
  readonly lastLayer2: WeightNormLinear;

  constructor(inDim: number, hidden: number, bottleneck: number, outDim: number) {
    super();
    const layers = [new Linear(inDim, hidden), new GELU(), new Linear(hidden, hidden), new GELU(), new Linear(hidden, bottleneck)];
    for (const l of layers) {
      if (l instanceof Linear) {
        truncNormal_(l.weight, 0.02);
        T.noGrad(() => l.bias!.zero_());
      }
    }
    this.mlp = this.module('mlp', new Sequential(...layers));
    this.lastLayer = this.module('last_layer', new WeightNormLinear(bottleneck, outDim, { fixedNorm: true }));
    this.lastLayer2 = this.module('last_layer2', new WeightNormLinear(bottleneck, outDim, { fixedNorm: true, asBuffers: true }));
  }

  forward(x: Tensor): Tensor {
    return T.tidy(() => this.lastLayer2.forward(this.mlp.forward(x).normalize({ dim: -1 })));
  }
}
