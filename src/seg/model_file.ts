// A fine-tuned segmentation model on disk: the segmenter's weights with
// everything needed to use it — network configuration, preprocessing recipe,
// class names — in the safetensors metadata. `segment` reads it all from
// here, so nothing about training is re-typed by the user.
import * as T from '../engine/index.js';
import { type SmitConfig, SmitSegmenter } from '../models/index.js';
import type { SegRecipe } from './recipe.js';

export const SEGMENTER_FORMAT = 'smit-segmenter/1';

export interface SegmenterInfo {
  config: SmitConfig;
  recipe: SegRecipe;
  /** Name of each class id, index 0 = background. */
  classNames: string[];
  /** Optimizer steps of fine-tuning behind these weights, and the validation Dice they reached (NaN when not validated). */
  step: number;
  validationDice: number;
}

export function saveSegmenter(path: string, model: SmitSegmenter, info: SegmenterInfo): void {
  T.saveSafetensors(path, model.stateDict(), {
    format: SEGMENTER_FORMAT,
    config: JSON.stringify(info.config),
    recipe: JSON.stringify(info.recipe),
    classNames: JSON.stringify(info.classNames),
    step: String(info.step),
    validationDice: String(info.validationDice),
  });
}

/** The segmenter and its information; a file that is not a fine-tuned model is refused with what it is instead. */
export function loadSegmenter(path: string): { model: SmitSegmenter; info: SegmenterInfo } {
  const { metadata, tensors } = T.loadSafetensors(path);
  try {
    if (metadata.format !== SEGMENTER_FORMAT) {
      const what =
        metadata.format === 'smit-pretrain-checkpoint/1'
          ? 'a pre-training checkpoint: fine-tune it first (smit finetune --pretrained …), then segment with the fine-tuned model'
          : metadata.format === 'smit-model/1'
            ? 'an encoder or network export, not a fine-tuned segmenter: use it as smit finetune --pretrained'
            : `not a smit segmentation model (format '${metadata.format ?? 'none'}')`;
      throw new Error(`${path}: ${what}`);
    }
    const info: SegmenterInfo = {
      config: JSON.parse(metadata.config),
      recipe: JSON.parse(metadata.recipe),
      classNames: JSON.parse(metadata.classNames),
      step: Number(metadata.step),
      validationDice: Number(metadata.validationDice),
    };
    const model = new SmitSegmenter(info.config).eval();
    model.loadStateDict(tensors);
    return { model, info };
  } finally {
    T.dispose([...tensors.values()]);
  }
}
