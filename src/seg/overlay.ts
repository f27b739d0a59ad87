// A PNG to check a segmentation at a glance: axial, coronal and sagittal
// slices through the centre of the labelled region, labels tinted in the
// palette's colours (the same as every other smit figure), and a legend.
import { type Image, toCanonical } from '../data/index.js';
import { labelColor } from '../viz/palette.js';
import { writePng } from '../viz/png.js';
import { type RgbImage, Raster, lineHeight, textWidth } from '../viz/raster.js';
import { type Plane, type SlicePanel, renderSliceMontage } from '../viz/slices.js';

export interface OverlayOptions {
  /** Name of each class id (index 0 = background). */
  classNames: readonly string[];
  /** Millilitres per class id, shown in the legend when given. */
  millilitres?: ReadonlyMap<number, number>;
  title?: string;
  /** Intensity window shown black…white; by default each slice's 1st–99th percentile. */
  range?: readonly [number, number];
  /** Panels larger than this (pixels, after square-pixel resampling) are shrunk to fit. Default 384. */
  maxPanelSize?: number;
}

// As the slice montage's background, so the legend continues it.
const BACKGROUND = [17, 17, 17] as const;
const TEXT = [220, 220, 220] as const;

/**
 * Renders the scan with its label map (on the scan's grid) as one image, in
 * radiological convention whatever the scan's orientation: the patient's
 * right on the left and anterior up in the axial slice, superior up in the
 * coronal and sagittal ones, anterior on the left in the sagittal.
 */
export function renderSegmentationOverlay(scan: Image, labels: Image, options: OverlayOptions): RgbImage {
  if (scan.shape.some((n, a) => n !== labels.shape[a])) {
    throw new RangeError(`overlay: labels ${labels.size.join('×')} are not on the scan's grid ${scan.size.join('×')}`);
  }
  const image = toCanonical(scan);
  const label = toCanonical(labels);
  const [nx, ny, nz] = image.size;
  const [sx, sy, sz] = image.spacing;
  const centre = labelledCentre(label.data, [nx, ny, nz]);
  const scanVoxels = image.data instanceof Float32Array ? image.data : Float32Array.from(image.data);
  const labelVoxels = label.data instanceof Uint8Array ? label.data : Uint8Array.from(label.data, (v) => Math.min(255, v));
  const maxSize = options.maxPanelSize ?? 384;

  const views = [
    { name: 'axial', fixed: 2, across: 0, down: 1, spacing: [sx, sy] },
    { name: 'coronal', fixed: 1, across: 0, down: 2, spacing: [sx, sz] },
    { name: 'sagittal', fixed: 0, across: 1, down: 2, spacing: [sy, sz] },
  ] as const;
  const panels: SlicePanel[] = views.map((view) => {
    const at = centre[view.fixed];
    const slice = <T extends Float32Array | Uint8Array>(volume: T) =>
      planeOf(volume, [nx, ny, nz], view.fixed, at, view.across, view.down);
    const [sw, sh] = view.spacing;
    const grey = squarePixels(slice(scanVoxels), sw, sh, maxSize);
    const overlay = squarePixels(slice(labelVoxels), sw, sh, maxSize);
    return { ...grey, label: `${view.name} ${at}`, range: options.range, overlay, overlayStyle: 'tint' };
  });
  const montage = renderSliceMontage({ title: options.title, rows: [{ title: '', panels }] });
  return withLegend(montage, options);
}

/** Writes renderSegmentationOverlay's image as a PNG (atomically). */
export function writeSegmentationOverlay(path: string, scan: Image, labels: Image, options: OverlayOptions): void {
  const image = renderSegmentationOverlay(scan, labels, options);
  writePng(path, image.width, image.height, image.rgb, 3);
}

/** Voxel (x, y, z) at the centre of the labels' bounding box, or of the volume when nothing is labelled. */
function labelledCentre(labels: ArrayLike<number>, size: readonly [number, number, number]): [number, number, number] {
  const [nx, ny] = size;
  const low = [Infinity, Infinity, Infinity];
  const high = [-1, -1, -1];
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] === 0) continue;
    const position = [i % nx, Math.floor(i / nx) % ny, Math.floor(i / (nx * ny))];
    for (let a = 0; a < 3; a++) {
      if (position[a] < low[a]) low[a] = position[a];
      if (position[a] > high[a]) high[a] = position[a];
    }
  }
  if (high[0] < 0) return size.map((n) => Math.floor(n / 2)) as [number, number, number];
  return low.map((l, a) => Math.floor((l + high[a]) / 2)) as [number, number, number];
}

/**
 * The plane of an x-fastest RAS volume where axis `fixed` = `at`, both in-plane
 * axes from their highest index to their lowest: columns along `across` (the
 * patient's right, or anterior, on the left), rows along `down` (anterior or
 * superior at the top).
 */
function planeOf<T extends Float32Array | Uint8Array>(
  volume: T,
  size: readonly [number, number, number],
  fixed: number,
  at: number,
  across: number,
  down: number,
): Plane<T> {
  const stride = [1, size[0], size[0] * size[1]];
  const width = size[across];
  const height = size[down];
  const data = (volume instanceof Uint8Array ? new Uint8Array(width * height) : new Float32Array(width * height)) as T;
  for (let row = 0; row < height; row++) {
    const d = height - 1 - row;
    for (let column = 0; column < width; column++) {
      data[row * width + column] = volume[at * stride[fixed] + (width - 1 - column) * stride[across] + d * stride[down]];
    }
  }
  return { data, width, height };
}

/** Nearest-neighbour resampling to square pixels (the finer spacing), shrunk so neither side exceeds `maxSize`. */
function squarePixels<T extends Float32Array | Uint8Array>(plane: Plane<T>, spacingAcross: number, spacingDown: number, maxSize: number): Plane<T> {
  const pixel = Math.min(spacingAcross, spacingDown);
  let width = Math.max(1, Math.round((plane.width * spacingAcross) / pixel));
  let height = Math.max(1, Math.round((plane.height * spacingDown) / pixel));
  const shrink = Math.min(1, maxSize / Math.max(width, height));
  width = Math.max(1, Math.round(width * shrink));
  height = Math.max(1, Math.round(height * shrink));
  if (width === plane.width && height === plane.height) return plane;
  const data = (plane.data instanceof Uint8Array ? new Uint8Array(width * height) : new Float32Array(width * height)) as T;
  for (let y = 0; y < height; y++) {
    const from = Math.min(plane.height - 1, Math.floor(((y + 0.5) * plane.height) / height));
    for (let x = 0; x < width; x++) {
      data[y * width + x] = plane.data[from * plane.width + Math.min(plane.width - 1, Math.floor(((x + 0.5) * plane.width) / width))];
    }
  }
  return { data, width, height };
}

/** The montage with a legend below it: a colour swatch and the name of each foreground class, wrapped to the montage's width. */
function withLegend(montage: RgbImage, options: OverlayOptions): RgbImage {
  const font = 1;
  const line = lineHeight(font);
  const pad = 6;
  const swatch = line;
  const entries = options.classNames.slice(1).map((name, i) => {
    const id = i + 1;
    const ml = options.millilitres?.get(id);
    return { id, text: `${id} ${name}${ml === undefined ? '' : ` ${ml.toFixed(1)} mL`}` };
  });
  const entryWidth = (text: string) => swatch + 4 + textWidth(text, { scale: font }) + 2 * pad;
  const width = Math.max(montage.width, ...entries.map((e) => entryWidth(e.text) + 2 * pad));
  const rows: (typeof entries)[] = [[]];
  let used = pad;
  for (const entry of entries) {
    const w = entryWidth(entry.text);
    if (used + w > width && rows[rows.length - 1].length > 0) {
      rows.push([]);
      used = pad;
    }
    rows[rows.length - 1].push(entry);
    used += w;
  }
  const legendHeight = entries.length === 0 ? 0 : rows.length * (line + pad) + pad;
  const canvas = new Raster(width, montage.height + legendHeight, BACKGROUND);
  canvas.drawImage(montage, 0, 0);
  rows.forEach((row, r) => {
    const top = montage.height + r * (line + pad);
    let left = pad;
    for (const entry of row) {
      canvas.fillRect(left, top, swatch, swatch, labelColor(entry.id));
      canvas.drawText(entry.text, left + swatch + 4, top, TEXT, { scale: font });
      left += entryWidth(entry.text);
    }
  });
  return canvas;
}
