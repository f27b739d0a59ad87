import type { Ijk, StorageShape } from '../axis_order.js';

function kernel(sigma: number): Float32Array {
  const radius = Math.max(1, Math.ceil(2.5 * sigma));
  const weights = new Float32Array(2 * radius + 1);
  let sum = 0;
  for (let i = -radius; i <= radius; i++) sum += weights[i + radius] = Math.exp(-(i * i) / (2 * sigma * sigma));
  for (let i = 0; i < weights.length; i++) weights[i] /= sum;
  return weights;
}

/**
 * Separable Gaussian blur of a C-order [nz, ny, nx] volume, sigma in voxels
 * per axis (x, y, z), borders clamped. Returns a new array.
 */
export function gaussianBlur(volume: Float32Array, [nz, ny, nx]: StorageShape, sigma: Readonly<Ijk>): Float32Array {
  let current = volume;
  const strides = [1, nx, nx * ny];
  const sizes = [nx, ny, nz];
  for (let axis = 0; axis < 3; axis++) {
    if (!(sigma[axis] > 0)) continue;
    const weights = kernel(sigma[axis]);
    const radius = (weights.length - 1) / 2;
    const stride = strides[axis];
    const n = sizes[axis];
    const blockSize = stride * n;
    const next = new Float32Array(current.length);
    // Each line along the axis starts at block + inner, with inner < stride.
    for (let block = 0; block < current.length; block += blockSize) {
      for (let inner = 0; inner < stride; inner++) {
        const start = block + inner;
        for (let p = 0; p < n; p++) {
          let sum = 0;
          for (let t = -radius; t <= radius; t++) {
            const q = p + t < 0 ? 0 : p + t >= n ? n - 1 : p + t;
            sum += weights[t + radius] * current[start + q * stride];
          }
          next[start + p * stride] = sum;
        }
      }
    }
    current = next;
  }
  return current;
}
