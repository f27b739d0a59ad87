// Model weights on disk: safetensors with the configuration in the metadata,
// and the official SMIT pre-trained backbones (PyTorch .pt, often with a
// `module.` prefix from DataParallel) loaded into any network's encoder.
import * as T from '../engine/index.js';
import type { Tensor } from '../engine/index.js';
import { type LoadReport, type Module, describeReport } from '../nn/index.js';
import type { SmitConfig } from './smit/config.js';

export const MODEL_FORMAT = 'smit-model/1';

export function saveModel(path: string, model: Module, config: SmitConfig, extra: Record<string, string> = {}): void {
  T.saveSafetensors(path, model.stateDict(), { format: MODEL_FORMAT, config: JSON.stringify(config), ...extra });
}

/** The configuration stored with a saved model or exported encoder. */
export function readModelConfig(path: string): SmitConfig {
  const { metadata, tensors } = T.loadSafetensors(path);
  T.dispose([...tensors.values()]);
  if (!metadata.config) throw new Error(`${path}: no model configuration in its metadata`);
  return JSON.parse(metadata.config);
}

export function loadModel(path: string, model: Module, options: { strict?: boolean } = {}): LoadReport {
  const { tensors } = T.loadSafetensors(path);
  try {
    return model.loadStateDict(tensors, { strict: options.strict ?? true });
  } finally {
    T.dispose([...tensors.values()]);
  }
}

/** Reads a weights file: safetensors, or a PyTorch zip checkpoint (nested dicts allowed). */
export function readWeights(path: string): Map<string, Tensor> {
  if (path.endsWith('.safetensors')) return T.loadSafetensors(path).tensors;
  return T.loadTorchStateDict(path);
}

/** First names of the backbone's state-dict keys: the official pre-training saves the encoder alone, with these roots. */
const ENCODER_ROOTS = /^(patch_embed|layers|norm\d+|mask_token|absolute_pos_embed)(\.|$)/;

/**
 * Backbone keys of a weights file, as `transformer.*` names. Accepts our
 * exports and checkpoints, and the official SMIT pre-training checkpoint
 * `{epoch, state_dict: model_S.transformer.state_dict(), optimizer}` whose
 * keys are encoder-relative; `student.`/`teacher.` containers pick a role,
 * `module.` (DataParallel) and `state_dict.`/`model.` wrappers are removed;
 * everything else (heads, decoder, optimizer state) is ignored as PyTorch's
 * `strict=False` would.
 */
function backboneEntries(raw: Map<string, Tensor>, wanted: 'student' | 'teacher'): Map<string, Tensor> {
  const source = new Map<string, Tensor>();
  const hasRole = [...raw.keys()].some((k) => k.startsWith(`${wanted}.`));
  for (let [key, t] of raw) {
    if (hasRole) {
      if (!key.startsWith(`${wanted}.`)) continue;
      key = key.slice(wanted.length + 1);
    }
    for (let stripped = true; stripped; ) {
      stripped = false;
      for (const wrapper of ['state_dict.', 'model.', 'module.']) {
        if (key.startsWith(wrapper)) {
          key = key.slice(wrapper.length);
          stripped = true;
        }
      }
    }
    if (key.startsWith('backbone.')) key = `transformer.${key.slice('backbone.'.length)}`;
    else if (ENCODER_ROOTS.test(key)) key = `transformer.${key}`;
    if (key.startsWith('transformer.') && key !== 'transformer.mask_token') source.set(key, t);
  }
  return source;
}

/**
 * Loads a pre-trained backbone into `model`'s encoder (`transformer.*`):
 * our exported encoders and pre-training checkpoints, or the official SMIT
 * `.pt` files. Returns which keys were used; throws, naming the file, if
 * none fit or an encoder key is missing or has another shape.
 */
export function loadPretrainedBackbone(model: Module, path: string, options: { from?: 'student' | 'teacher' } = {}): LoadReport {
  const raw = readWeights(path);
  try {
    const source = backboneEntries(raw, options.from ?? 'teacher');
    if (source.size === 0) throw new Error(`${path}: no backbone weights found (expected transformer.* keys or an official SMIT checkpoint's state_dict)`);
    const encoderKeys = new Set([...model.stateDict().keys()].filter((k) => k.startsWith('transformer.') && k !== 'transformer.mask_token'));
    const report = model.loadStateDict(source, { strict: false });
    const missing = report.missing.filter((k) => encoderKeys.has(k));
    if (missing.length > 0 || report.mismatched.length > 0) {
      throw new Error(`${path}: backbone does not fit this model: ${describeReport({ ...report, missing, unexpected: [] })}`);
    }
    return { ...report, missing: report.missing.filter((k) => !encoderKeys.has(k)) };
  } finally {
    T.dispose([...raw.values()]);
  }
}
