import type { Rgb } from './raster.js';

/** Default line colours (Tableau 10), assigned to series in order. */
export const SERIES_COLORS: readonly Rgb[] = [
  [31, 119, 180],
  [255, 127, 14],
  [44, 160, 44],
  [214, 39, 40],
  [148, 103, 189],
  [140, 86, 75],
  [227, 119, 194],
  [127, 127, 127],
  [188, 189, 34],
  [23, 190, 207],
];

// Sasha Trubetskoy's 20 distinct colours, ordered so that the first few
// labels (the common organ classes) differ most.
const LABEL_COLORS: readonly Rgb[] = [
  [230, 25, 75],
  [60, 180, 75],
  [255, 225, 25],
  [0, 130, 200],
  [245, 130, 48],
  [145, 30, 180],
  [70, 240, 240],
  [240, 50, 230],
  [210, 245, 60],
  [250, 190, 212],
  [0, 128, 128],
  [220, 190, 255],
  [170, 110, 40],
  [255, 250, 200],
  [128, 0, 0],
  [170, 255, 195],
  [128, 128, 0],
  [255, 215, 180],
  [0, 0, 128],
  [128, 128, 128],
];

/** Colour of segmentation label `label` ≥ 1; colours repeat after 20 labels. */
export function labelColor(label: number): Rgb {
  return LABEL_COLORS[(label - 1) % LABEL_COLORS.length];
}

/** An [r, g, b] triple as given, or a '#rrggbb' / '#rgb' hex string. */
export function parseColor(color: Rgb | string): Rgb {
  if (typeof color !== 'string') return color;
  const hex = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(color)?.[1];
  if (hex === undefined) throw new RangeError(`colour must be '#rrggbb' or '#rgb', got '${color}'`);
  const full = hex.length === 3 ? [...hex].map((digit) => digit + digit).join('') : hex;
  return [0, 2, 4].map((at) => parseInt(full.slice(at, at + 2), 16)) as unknown as Rgb;
}
