// Which volumes each step trains on (pre-training and fine-tuning alike). The official code iterates a shuffled
// DataLoader: every epoch is a fresh permutation of the volumes, cut into
// ⌈N / B⌉ batches (the last one smaller), without replacement. Permutations
// are a pure function of (seed, epoch, pass), so a resumed run draws the same.
import { SeededRandom } from '../seeded_random.js';

export interface EpochBatching {
  volumes: number;
  batchSize: number;
  stepsPerEpoch: number;
  seed: number;
}

/** ⌈N / B⌉: one pass over the volumes. */
export function defaultStepsPerEpoch(volumes: number, batchSize: number): number {
  return Math.max(1, Math.ceil(volumes / batchSize));
}

function permutation(seed: number, epoch: number, pass: number, n: number): number[] {
  const mixed = (Math.imul(seed ^ 0x5bd1e995, 0x9e3779b1) ^ Math.imul(epoch + 1, 0x85ebca6b) ^ Math.imul(pass + 1, 0xc2b2ae35)) >>> 0;
  return new SeededRandom(mixed).shuffle([...Array(n).keys()]);
}

/**
 * Volume indices of the batch at global `step`. With one pass per epoch the
 * last batch holds what is left; a longer epoch (stepsPerEpoch set by hand)
 * continues into further shuffled passes.
 */
export function batchVolumeIndices(step: number, o: EpochBatching): number[] {
  const epoch = Math.floor(step / o.stepsPerEpoch);
  const start = (step - epoch * o.stepsPerEpoch) * o.batchSize;
  const onePass = o.stepsPerEpoch === defaultStepsPerEpoch(o.volumes, o.batchSize);
  const end = onePass ? Math.min(start + o.batchSize, o.volumes) : start + o.batchSize;
  const passes = new Map<number, number[]>();
  const indices: number[] = [];
  for (let position = start; position < end; position++) {
    const pass = Math.floor(position / o.volumes);
    if (!passes.has(pass)) passes.set(pass, permutation(o.seed, epoch, pass, o.volumes));
    indices.push(passes.get(pass)![position % o.volumes]);
  }
  return indices;
}
