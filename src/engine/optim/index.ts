export { Optimizer, type OptimizerState, type ParamGroup } from './optimizer.js';
export { AdamW, type AdamWOptions } from './adamw.js';
export { SGD, type SGDOptions } from './sgd.js';
export { warmupCosine, stepDecay } from './schedule.js';
export { clipGradNorm_, clipGradNormPerParam_ } from './clip_grad.js';
