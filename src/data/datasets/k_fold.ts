import { SeededRandom } from '../seeded_random.js';

export interface Fold<T> {
  training: T[];
  validation: T[];
}

/**
 * k-fold cross-validation splits: items are shuffled by the seed and cut into
 * k validation folds whose sizes differ by at most one; each fold trains on
 * the rest. Within a fold, items keep their input order. The same items, k
 * and seed always give the same folds.
 */
export function kFoldSplits<T>(items: readonly T[], k: number, seed: number): Fold<T>[] {
  if (!Number.isInteger(k) || k < 2 || k > items.length) {
    throw new Error(`kFoldSplits: k must be an integer in 2..${items.length} (the number of items), got ${k}`);
  }
  const order = new SeededRandom(seed).shuffle(items.map((_, index) => index));
  const foldOf = new Array<number>(items.length);
  for (let fold = 0; fold < k; fold++) {
    const begin = Math.floor((fold * items.length) / k);
    const end = Math.floor(((fold + 1) * items.length) / k);
    for (let p = begin; p < end; p++) foldOf[order[p]] = fold;
  }
  return Array.from({ length: k }, (_, fold) => ({
    training: items.filter((_, index) => foldOf[index] !== fold),
    validation: items.filter((_, index) => foldOf[index] === fold),
  }));
}
