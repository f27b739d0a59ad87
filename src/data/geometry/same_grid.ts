import { DataError } from '../data_error.js';
import type { Image } from '../image.js';
import { maxAbsDifference } from './affine.js';

/**
 * Throws unless `other` lies on `reference`'s grid: same shape, and affines
 * equal within `tolerance` mm (files store affines as float32, so
 * independently written images of one grid differ by ~1e-5).
 */
export function assertSameGrid(reference: Image, other: Image, tolerance = 1e-3): void {
  const where = other.source ?? 'image';
  const against = reference.source ?? 'the reference image';
  if (reference.shape.some((n, axis) => n !== other.shape[axis])) {
    throw new DataError(
      where,
      `grid does not match ${against}: shape ${other.size.join('×')} vs ${reference.size.join('×')} (x×y×z)`,
    );
  }
  const difference = maxAbsDifference(reference.affine, other.affine);
  if (!(difference <= tolerance)) {
    throw new DataError(
      where,
      `grid does not match ${against}: affines differ by up to ${difference.toPrecision(3)} mm (tolerance ${tolerance})`,
    );
  }
}
