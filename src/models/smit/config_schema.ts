// What each SmitConfig field may hold, so that configuration overrides from
// users (`smit pretrain --config-overrides`) are checked key by key before any
// network is built.
import type { Rule } from '../../util/options.js';
import type { SmitConfig } from './config.js';

export const SMIT_CONFIG_SCHEMA = {
  inChannels: { type: 'integer', min: 1 },
  embedDim: { type: 'integer', min: 1 },
  // The segmenter's decoder reads four encoder stages.
  depths: { type: 'integers', count: 4, min: 1 },
  heads: { type: 'integers', count: 4, min: 1 },
  window: { type: 'integer', min: 2 },
  patch: { type: 'integer', min: 1 },
  mlpRatio: { type: 'number', above: 0 },
  dropPathRate: { type: 'number', min: 0, below: 1 },
  maskToken: { type: 'boolean' },
  imgSize: { type: 'integers', count: 3, min: 1 },
  headHidden: { type: 'integer', min: 1 },
  headBottleneck: { type: 'integer', min: 1 },
  outDim: { type: 'integer', min: 1 },
  featureSize: { type: 'integer', min: 1 },
  classes: { type: 'integer', min: 2 },
} as const satisfies { readonly [K in keyof SmitConfig]-?: Rule };

/**
 * Constraints between fields that per-field rules cannot state and smitConfig
 * does not check (it checks the crop against the strides and the stage counts):
 * every stage's width splits evenly into its heads, and shifted windows move by
 * a whole half window.
 */
export function checkSmitConfig(config: SmitConfig): void {
  config.heads.forEach((heads, stage) => {
    const width = config.embedDim * 2 ** stage;
    if (width % heads !== 0) throw new Error(`stage ${stage} has width ${width} (embedDim ${config.embedDim} × ${2 ** stage}), which ${heads} heads do not divide`);
  });
  if (config.window % 2 !== 0) throw new Error(`window ${config.window} must be even (shifted windows move by half a window)`);
}
