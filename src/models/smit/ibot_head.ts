import type { Tensor } from '../../engine/index.js';
import { GELU, Linear, Module, Sequential, WeightNormLinear } from '../../nn/index.js';
import { truncNormal_ } from '../../nn/init.js';
import * as T from '../../engine/index.js';

/**
 * iBOT projection head: MLP (Linear, GELU, Linear, GELU, Linear) to a
 * bottleneck, L2-normalised, then a weight-normalised Linear to the
 * prototypes. SMIT builds its heads with `shared_head=True`: `last_layer2`
 * is `last_layer` (one trained module that the state dict lists under both
 * names), so official checkpoints round-trip unchanged.
 */
export class IBOTHead extends Module {
  readonly mlp: Sequential;
  readonly lastLayer: WeightNormLinear;

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
    this.alias('last_layer2', 'last_layer');
  }

  /** Tokens [..., inDim] → prototype logits [..., outDim]. */
  forward(x: Tensor): Tensor {
    return T.tidy(() => {
      const bottleneck = this.mlp.forward(x).normalize({ dim: -1 });
      // Prototype logits stay float32 under autocast: the distillation divides
      // them by temperatures of 0.04–0.1, which would scale bfloat16's rounding 10–25×.
      return T.autocast(null, () => this.lastLayer.forward(bottleneck));
    });
  }
}
