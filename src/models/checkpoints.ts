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

/**
 * Loads a pre-trained backbone into `model`'s encoder (`transformer.*`).
 * Accepts our exported encoders and the official checkpoints: keys may sit
 * under `student.`/`teacher.`/`state_dict.`/`model.` and carry `module.`
 * prefixes. Returns which keys were used; throws if none fit.
 */
export function loadPretrainedBackbone(model: Module, path: string, options: { from?: 'student' | 'teacher' } = {}): LoadReport {
  const raw = readWeights(path);
  try {
    const wanted = options.from ?? 'teacher';
    const source = new Map<string, Tensor>();
    const containers = ['student.', 'teacher.', 'state_dict.', 'model.'];
    const hasRole = [...raw.keys()].some((k) => k.startsWith(`${wanted}.`));
    for (let [key, t] of raw) {
      if (hasRole) {
        if (!key.startsWith(`${wanted}.`)) continue;
        key = key.slice(wanted.length + 1);
      } else {
        for (const c of containers) if (key.startsWith(c)) key = key.slice(c.length);
      }
      while (key.startsWith('module.')) key = key.slice('module.'.length);
      if (key.startsWith('backbone.')) key = `transformer.${key.slice('backbone.'.length)}`;
      if (key.startsWith('transformer.') && key !== 'transformer.mask_token') source.set(key, t);
    }
    if (source.size === 0) throw new Error(`${path}: no backbone (transformer.*) weights found`);
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
