// The tensor engine: a typed TypeScript API over libtorch.
export { Tensor } from './tensor.js';
export type { DType, Device, TypedArray } from './dtype.js';
export { DTYPES, ITEM_SIZE } from './dtype.js';
export { tensor, fromBytes } from './create.js';
export type { TensorOptions } from './create.js';
export { tidy, keep, dispose, consuming, pipe } from './scope.js';
export { firstNonFinite } from './finite.js';
export { noGrad, enableGrad, isGradEnabled, inferenceMode } from './autograd.js';
export { autocast, autocastDtype, withPrecision } from './autocast.js';
export type { AutocastDtype } from './autocast.js';
export { PRECISIONS, PRECISION_OPTION, cpuHasBf16, resolvePrecision } from './precision.js';
export type { Precision, ResolvedPrecision } from './precision.js';
export * from './runtime.js';
export * from './generated/ops.js';
export * as serialization from './serialization/index.js';
export { loadSafetensors, saveSafetensors, loadTorchStateDict } from './serialization/index.js';
export * as optim from './optim/index.js';
