import { type SwinConfig, encoderStride } from '../swin/encoder.js';

/** Sizes of SMIT's networks: the backbone plus the distillation heads and the segmenter's decoder. */
export interface SmitConfig extends SwinConfig {
  /** Input crop edge in voxels (a multiple of patch·2^stages); anisotropic crops give all three. */
  imgSize: [number, number, number];
  headHidden: number;
  headBottleneck: number;
  /** Number of prototypes (the heads' output dimension). */
  outDim: number;
  /** Segmenter decoder width (feature size) and number of classes (background included). */
  featureSize: number;
  classes: number;
}

const SMALL: SmitConfig = {
  inChannels: 1,
  embedDim: 48,
  depths: [2, 2, 4, 2],
  heads: [4, 4, 4, 4],
  window: 4,
  patch: 2,
  mlpRatio: 4,
  dropPathRate: 0.3,
  maskToken: false,
  imgSize: [96, 96, 96],
  headHidden: 2048,
  headBottleneck: 256,
  outDim: 8192,
  featureSize: 48,
  classes: 14,
};

/** The reference fixture's reduced configuration. */
const TINY: SmitConfig = {
  ...SMALL,
  embedDim: 12,
  imgSize: [64, 64, 64],
  headHidden: 256,
  headBottleneck: 64,
  outDim: 512,
  featureSize: 12,
  classes: 5,
};

export const CONFIGS = { small: SMALL, tiny: TINY } as const;
export type ConfigName = keyof typeof CONFIGS;

/** A named configuration with overrides; checks that the crop fits the encoder's strides. */
export function smitConfig(name: ConfigName | SmitConfig, overrides: Partial<SmitConfig> = {}): SmitConfig {
  const base = typeof name === 'string' ? CONFIGS[name] : name;
  if (base === undefined) throw new Error(`unknown config '${String(name)}' (known: ${Object.keys(CONFIGS).join(', ')})`);
  const config = { ...base, ...overrides };
  const unit = encoderStride(config);
  if (config.imgSize.some((s) => s % unit !== 0)) {
    throw new Error(`imgSize ${config.imgSize.join('×')} must be a multiple of ${unit} on every axis`);
  }
  if (config.heads.length !== config.depths.length) throw new Error('heads and depths must have the same length');
  return config;
}

/** Width of the distillation tokens (after the third merging) and of the bottleneck. */
export function tokenDim(config: SmitConfig): number {
  return config.embedDim * 2 ** (config.depths.length - 1);
}

export function bottleneckDim(config: SmitConfig): number {
  return config.embedDim * 2 ** config.depths.length;
}
