// Unlabelled volumes for pre-training: listed from dataset JSONs or folders,
// preprocessed once (resample, intensity, foreground crop, pad) and cached in
// memory and, optionally, on disk.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as T from '../engine/index.js';
import type { Tensor } from '../engine/index.js';
import { type DatasetEntry, loadImage, listVolumeFolder, readDecathlonList, toCanonical } from '../data/index.js';
import { type PretrainRecipe, preprocessForPretraining } from './recipe.js';
import { imageToTensor } from '../data/transforms/volume_tensor.js';
import { ProgressBar } from '../util/progress_bar.js';

/** Image paths from dataset JSONs (every list, labels ignored), folders of volumes, or single files. */
export async function listPretrainVolumes(sources: readonly string[]): Promise<DatasetEntry[]> {
  const entries: DatasetEntry[] = [];
  for (const source of sources) {
    if (source.endsWith('.json')) {
      const list = await readDecathlonList(source);
      for (const e of [...list.training, ...list.validation, ...list.test]) entries.push({ image: e.image });
    } else if (existsSync(source) && statSync(source).isDirectory()) {
      entries.push(...(await listVolumeFolder(source)).map((e) => ({ image: e.image })));
    } else {
      entries.push({ image: source });
    }
  }
  if (entries.length === 0) throw new Error(`no volumes found in ${sources.join(', ')}`);
  return entries;
}

export interface PreparedVolume {
  source: string;
  /** [1, X, Y, Z] float32 in RAS, kept alive until dispose(). */
  volume: Tensor;
}

function cacheKey(path: string, recipe: PretrainRecipe): string {
  const info = statSync(path);
  return createHash('sha256')
    .update(JSON.stringify({ path: resolve(path), size: info.size, mtime: info.mtimeMs, recipe, v: 2 }))
    .digest('hex')
    .slice(0, 24);
}

/** Preprocesses every volume once; bad volumes are reported and skipped when `skipBad`. */
export async function preparePretrainVolumes(
  entries: readonly DatasetEntry[],
  recipe: PretrainRecipe,
  options: { cacheDir?: string; skipBad?: boolean } = {},
): Promise<PreparedVolume[]> {
  const prepared: PreparedVolume[] = [];
  const bar = new ProgressBar('preprocess', entries.length);
  if (options.cacheDir) mkdirSync(options.cacheDir, { recursive: true });
  for (const [i, entry] of entries.entries()) {
    try {
      const cached = options.cacheDir ? join(options.cacheDir, `${cacheKey(entry.image, recipe)}.safetensors`) : undefined;
      let volume: Tensor;
      if (cached && existsSync(cached)) {
        volume = T.loadSafetensors(cached).tensors.get('volume')!;
      } else {
        const image = toCanonical(await loadImage(entry.image, { dtype: 'float32' }));
        volume = T.tidy(() => preprocessForPretraining(imageToTensor(image), image.spacing, recipe));
        if (cached) T.saveSafetensors(cached, [['volume', volume]], { source: entry.image });
      }
      prepared.push({ source: entry.image, volume: T.keep(volume) });
    } catch (error) {
      if (!options.skipBad) throw error;
      process.stderr.write(`skipping ${entry.image}: ${(error as Error).message}\n`);
    }
    bar.update(i + 1);
  }
  if (prepared.length === 0) throw new Error('no usable volumes to pre-train on');
  return prepared;
}
