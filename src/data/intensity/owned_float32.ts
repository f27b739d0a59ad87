import type { Tensor } from '../../engine/index.js';

/** A float32 copy of `volume` that an in-place normaliser may overwrite (one pass, whatever the dtype). */
export function ownedFloat32(volume: Tensor): Tensor {
  return volume.dtype === 'float32' ? volume.clone() : volume.float();
}

/** The in-place normalisers write float32 results into their input, so it must be float32 already. */
export function requireFloat32(volume: Tensor, fn: string): void {
  if (volume.dtype !== 'float32') throw new TypeError(`${fn}: the volume is ${volume.dtype}; in-place normalisation needs float32`);
}
