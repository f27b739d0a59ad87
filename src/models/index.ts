export { SwinEncoder3D, type SwinConfig, type SwinFeatures, encoderStride } from './swin/encoder.js';
export { CONFIGS, type ConfigName, type SmitConfig, smitConfig, tokenDim, bottleneckDim } from './smit/config.js';
export { SmitNetwork, type SmitOutput } from './smit/smit_network.js';
export { IBOTHead } from './smit/ibot_head.js';
export { SmitSegmenter } from './segmenter/smit_segmenter.js';
export { saveModel, loadModel, readModelConfig, readWeights, loadPretrainedBackbone, MODEL_FORMAT } from './checkpoints.js';
