import type { VoxelArray } from '../../../src/data/voxel_array.js';

export function voxelRange(data: VoxelArray): [number, number] {
  let min = Infinity;
  let max = -Infinity;
  for (const v of data) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return [min, max];
}
