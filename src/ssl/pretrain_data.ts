// Unlabelled volumes for pre-training: listed from dataset JSONs or folders,
// preprocessed once (resample, intensity, foreground crop, pad), held in
// memory up to a bound and otherwise read back from a cache folder.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as T from '../engine/index.js';
import type { Tensor } from '../engine/index.js';
import { type DatasetEntry, loadImage, listVolumeFolder, readDecathlonList } from '../data/index.js';
import { type PretrainRecipe, preprocessForPretraining } from './recipe.js';
import { canonicalTensor } from '../data/transforms/volume_tensor.js';
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

/**
 * The preprocessed volumes a run trains on ([1, X, Y, Z] float32, RAS). The
 * first `inMemory` stay in memory; the others are read back from their cache
 * file each time a step uses them, so memory stays bounded however many
 * volumes there are (the official code's CacheDataset likewise holds its
 * first 100 and transforms the rest anew each epoch).
 */
export class PretrainVolumes {
  readonly #resident: (Tensor | undefined)[];
  readonly #files: (string | undefined)[];

  #disposed = false;

  constructor(volumes: readonly { source: string; volume?: Tensor; file?: string }[]) {
    if (volumes.length === 0) throw new Error('no usable volumes to pre-train on');
    const missing = volumes.find((v) => !v.volume && !v.file);
    if (missing) throw new Error(`pre-training volume ${missing.source} has neither a tensor nor a cache file`);
    this.#resident = volumes.map((v) => (v.volume ? T.keep(v.volume) : undefined));
    this.#files = volumes.map((v) => v.file);
  }

  get count(): number {
    return this.#resident.length;
  }

  /** How many are held in memory (the rest are read from their cache files when used). */
  get residentCount(): number {
    return this.#resident.filter(Boolean).length;
  }

  /**
   * `fn` applied to volume `index`. A volume read from its cache file is
   * released when `fn` returns, so what `fn` returns must not be a view of it.
   */
  use<R>(index: number, fn: (volume: Tensor) => R): R {
    if (this.#disposed) throw new Error('PretrainVolumes: used after dispose()');
    const resident = this.#resident[index];
    if (resident) return fn(resident);
    return T.tidy(() => fn(readCachedVolume(this.#files[index]!)));
  }

  dispose(): void {
    for (const t of this.#resident) t?.dispose();
    this.#resident.fill(undefined);
    this.#disposed = true;
  }
}

/** A cached volume, verified as it is read; a damaged file is named, with what to do about it. */
function readCachedVolume(file: string): Tensor {
  return T.tidy(() => {
    let volume: Tensor | undefined;
    try {
      volume = T.loadSafetensors(file).tensors.get('volume');
    } catch (error) {
      throw new Error(`${(error as Error).message} (a damaged preprocessed volume: delete it to preprocess the volume again)`, { cause: error });
    }
    if (!volume || volume.ndim !== 4 || volume.dtype !== 'float32') {
      throw new Error(`${file}: not a preprocessed volume (expected a float32 [1, X, Y, Z] tensor 'volume'); delete it to preprocess the volume again`);
    }
    return volume;
  });
}

function cacheKey(path: string, recipe: PretrainRecipe): string {
  const info = statSync(path);
  return createHash('sha256')
    .update(JSON.stringify({ path: resolve(path), size: info.size, mtime: info.mtimeMs, recipe, v: 2 }))
    .digest('hex')
    .slice(0, 24);
}

/**
 * Preprocesses every volume once, or finds it in `cacheDir`; the first
 * `inMemory` (default all) are kept in memory, the rest need `cacheDir`. Bad
 * volumes are reported and skipped when `skipBad`.
 */
export async function preparePretrainVolumes(
  entries: readonly DatasetEntry[],
  recipe: PretrainRecipe,
  options: { cacheDir?: string; skipBad?: boolean; inMemory?: number } = {},
): Promise<PretrainVolumes> {
  const inMemory = options.inMemory ?? Infinity;
  if (entries.length > inMemory && !options.cacheDir) {
    throw new Error(`${entries.length} volumes with ${inMemory} in memory: the others need a cache folder (cacheDir)`);
  }
  const prepared: { source: string; volume?: Tensor; file?: string }[] = [];
  const bar = new ProgressBar('preprocess', entries.length);
  if (options.cacheDir) mkdirSync(options.cacheDir, { recursive: true });
  for (const [i, entry] of entries.entries()) {
    try {
      const file = options.cacheDir ? join(options.cacheDir, `${cacheKey(entry.image, recipe)}.safetensors`) : undefined;
      const keep = prepared.length < inMemory;
      if (file && existsSync(file)) {
        // Volumes not held are read (and verified) when a step uses them, not here.
        prepared.push({ source: entry.image, volume: keep ? readCachedVolume(file) : undefined, file });
      } else {
        const image = await loadImage(entry.image, { dtype: 'float32' });
        const volume = T.tidy(() => {
          const ras = canonicalTensor(image);
          return preprocessForPretraining(ras.volume, ras.spacing, recipe);
        });
        if (file) T.saveSafetensors(file, [['volume', volume]], { source: entry.image });
        if (!keep) volume.dispose();
        prepared.push({ source: entry.image, volume: keep ? volume : undefined, file });
      }
    } catch (error) {
      if (!options.skipBad) throw error;
      process.stderr.write(`skipping ${entry.image}: ${(error as Error).message}\n`);
    }
    bar.update(i + 1);
  }
  return new PretrainVolumes(prepared);
}
