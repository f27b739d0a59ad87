export { contiguousBytes, contiguousStrides, isContiguous } from './contiguous.js';
export { flattenStateDict, type FlattenStateDictOptions } from './flatten_state_dict.js';
export { isTensorRecord, numelOf, type TensorRecord } from './record.js';
export { readSafetensors, writeSafetensors, type SafetensorsContents } from './safetensors.js';
export { readTorchCheckpoint } from './torch_pickle.js';
export { loadSafetensors, saveSafetensors, loadTorchStateDict, tensorFromRecord, recordFromTensor } from './tensors.js';
export type { LoadedTensors } from './tensors.js';
