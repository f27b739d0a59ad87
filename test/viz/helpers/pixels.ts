import type { RgbImage } from '../../../src/viz/raster.js';

export type Color = readonly [number, number, number];

export function pixelAt(image: RgbImage, x: number, y: number): Color {
  const i = (Math.round(y) * image.width + Math.round(x)) * 3;
  return [image.rgb[i], image.rgb[i + 1], image.rgb[i + 2]];
}

/** Coordinates of every pixel for which `match` holds. */
export function findPixels(image: RgbImage, match: (c: Color) => boolean): { x: number; y: number }[] {
  const found: { x: number; y: number }[] = [];
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) if (match(pixelAt(image, x, y))) found.push({ x, y });
  }
  return found;
}

export function boundingBox(points: readonly { x: number; y: number }[]): { left: number; top: number; width: number; height: number } {
  const xs = points.map((p) => p.x);
  const ys = points.map((p) => p.y);
  const [left, top] = [Math.min(...xs), Math.min(...ys)];
  return { left, top, width: Math.max(...xs) - left + 1, height: Math.max(...ys) - top + 1 };
}

export const sameColor = (a: Color, b: Color) => a[0] === b[0] && a[1] === b[1] && a[2] === b[2];
