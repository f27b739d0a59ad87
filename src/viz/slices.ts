import { labelColor } from './palette.js';
import { writePng } from './png.js';
import { type Rgb, type RgbImage, Raster, lineHeight, textWidth } from './raster.js';

export type Voxels = Float32Array | Uint8Array;

/** A 2-D image, row-major with the top row first: pixel (x, y) is `data[y * width + x]`. */
export interface Plane<T extends Voxels = Voxels> {
  readonly data: T;
  readonly width: number;
  readonly height: number;
}

export interface SlicePanel extends Plane {
  label: string;
  /** Intensity window [min, max] shown black…white; defaults to this panel's 1st–99th percentile. */
  range?: readonly [number, number];
  /** Segmentation labels (0 = none) tinted over the panel, same size as it. */
  overlay?: Plane<Uint8Array>;
  /** 'outline' draws only the overlay's contours, leaving the image under it visible. */
  overlayStyle?: 'tint' | 'outline';
  /** 'labels' shows the panel's own values as label colours (0 black) instead of grey levels. */
  colormap?: 'gray' | 'labels';
}

export interface SliceRow {
  title: string;
  panels: readonly SlicePanel[];
}

export interface SliceMontageOptions {
  title?: string;
  rows: readonly SliceRow[];
  /** Integer upscaling of every panel; by default the largest panel becomes at least 160 pixels. */
  scale?: number;
}

const BACKGROUND: Rgb = [17, 17, 17];
const TITLE: Rgb = [245, 245, 245];
const LABEL: Rgb = [190, 190, 190];
// Non-finite voxels are shown in a colour no window produces, so a diverged
// reconstruction is obvious in the snapshot.
const NOT_FINITE: Rgb = [255, 0, 255];
const OVERLAY_ALPHA = 0.4;

function checkPlane(plane: Plane, what: string): void {
  const { width, height, data } = plane;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`${what}: size must be positive integers, got ${width}×${height}`);
  }
  if (data.length !== width * height) throw new RangeError(`${what}: ${width}×${height} needs ${width * height} values, got ${data.length}`);
}

/** Linearly interpolated `q`-quantiles (0…1) of the finite values, or undefined when there are none. */
function quantiles(data: Voxels, qs: readonly number[]): number[] | undefined {
  const finite = Float64Array.from(data).filter(Number.isFinite).sort();
  if (finite.length === 0) return undefined;
  return qs.map((q) => {
    const at = q * (finite.length - 1);
    const below = Math.floor(at);
    return finite[below] + (finite[Math.min(below + 1, finite.length - 1)] - finite[below]) * (at - below);
  });
}

/** Colour of every pixel of a panel, before any overlay. */
function panelColors(panel: SlicePanel): (i: number) => Rgb {
  const { data } = panel;
  if (panel.colormap === 'labels') {
    return (i) => {
      const label = Math.round(data[i]);
      return Number.isFinite(data[i]) ? (label > 0 ? labelColor(label) : [0, 0, 0]) : NOT_FINITE;
    };
  }
  let [low, high] = panel.range ?? quantiles(data, [0.01, 0.99]) ?? [0, 1];
  // A flat window shows its value mid-grey rather than black.
  if (!(high > low)) [low, high] = [low - 0.5, low + 0.5];
  return (i) => {
    if (!Number.isFinite(data[i])) return NOT_FINITE;
    const grey = Math.round(255 * Math.min(1, Math.max(0, (data[i] - low) / (high - low))));
    return [grey, grey, grey];
  };
}

function drawPanel(canvas: Raster, panel: SlicePanel, left: number, top: number, scale: number): void {
  const { width, height } = panel;
  const color = panelColors(panel);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) canvas.fillRect(left + x * scale, top + y * scale, scale, scale, color(y * width + x));
  }
  const overlay = panel.overlay?.data;
  if (overlay === undefined) return;
  // Tint at panel resolution and outline at canvas resolution, so the contour
  // stays one pixel wide however far the panel is enlarged.
  const labelAt = (X: number, Y: number) =>
    X < 0 || Y < 0 || X >= width * scale || Y >= height * scale ? -1 : overlay[Math.floor(Y / scale) * width + Math.floor(X / scale)];
  for (let Y = 0; Y < height * scale; Y++) {
    for (let X = 0; X < width * scale; X++) {
      const label = labelAt(X, Y);
      if (label === 0) continue;
      const edge = [labelAt(X - 1, Y), labelAt(X + 1, Y), labelAt(X, Y - 1), labelAt(X, Y + 1)].some((n) => n !== label && n !== -1);
      if (!edge && panel.overlayStyle === 'outline') continue;
      canvas.blend(left + X, top + Y, labelColor(label), edge ? 1 : OVERLAY_ALPHA);
    }
  }
}

/** `text`, shortened with '..' until it fits `width` pixels. */
function fitted(text: string, width: number, scale: number): string {
  if (textWidth(text, { scale }) <= width) return text;
  for (let keep = text.length - 1; keep > 0; keep--) {
    const short = `${text.slice(0, keep)}..`;
    if (textWidth(short, { scale }) <= width) return short;
  }
  return '';
}

/**
 * A grid of 2-D slices on a dark background: one row per `rows` entry, its
 * title above it and each panel's label centred above the panel. Columns are
 * as wide as their widest panel; smaller panels are centred in their cell.
 */
export function renderSliceMontage(options: SliceMontageOptions): RgbImage {
  const { title = '', rows } = options;
  rows.forEach((row, r) =>
    row.panels.forEach((panel, c) => {
      const what = `row ${r} ('${row.title}') panel ${c} ('${panel.label}')`;
      checkPlane(panel, what);
      if (panel.overlay === undefined) return;
      checkPlane(panel.overlay, `${what} overlay`);
      if (panel.overlay.width !== panel.width || panel.overlay.height !== panel.height) {
        throw new RangeError(`${what}: overlay is ${panel.overlay.width}×${panel.overlay.height} but the panel is ${panel.width}×${panel.height}`);
      }
    }),
  );
  const panels = rows.flatMap((row) => row.panels);
  const largest = Math.max(1, ...panels.map((p) => Math.max(p.width, p.height)));
  const scale = options.scale ?? Math.max(1, Math.ceil(160 / largest));
  if (!Number.isInteger(scale) || scale < 1) throw new RangeError(`montage scale must be a positive integer, got ${scale}`);

  const columns = Math.max(0, ...rows.map((row) => row.panels.length));
  const columnWidths = Array.from({ length: columns }, (_, c) => Math.max(0, ...rows.map((row) => (row.panels[c]?.width ?? 0) * scale)));
  const font = Math.min(...columnWidths) >= 140 ? 2 : 1;
  const line = lineHeight(font);
  const pad = 6 * font;
  const titleStyle = { scale: font, bold: true };

  const layout: { titleTop: number; labelTop: number; panelTop: number; height: number }[] = [];
  let y = pad + (title ? line + pad : 0);
  rows.forEach((row, r) => {
    if (r > 0) y += pad;
    const titleTop = y;
    if (row.title) y += line + pad / 2;
    const labelTop = y;
    if (row.panels.some((p) => p.label)) y += line + 2 * font;
    const height = Math.max(0, ...row.panels.map((p) => p.height * scale));
    layout.push({ titleTop, labelTop, panelTop: y, height });
    y += height + pad;
  });
  const gridWidth = columnWidths.reduce((sum, w) => sum + w + pad, pad);
  const width = Math.max(gridWidth, title ? textWidth(title, titleStyle) + 2 * pad : 0, 2 * pad);
  const canvas = new Raster(width, Math.max(y, 2 * pad), BACKGROUND);

  if (title) canvas.drawText(title, pad, pad, TITLE, titleStyle);
  rows.forEach((row, r) => {
    const { titleTop, labelTop, panelTop, height } = layout[r];
    canvas.drawText(row.title, pad, titleTop, TITLE, titleStyle);
    let left = pad;
    row.panels.forEach((panel, c) => {
      const cell = columnWidths[c];
      const label = fitted(panel.label, cell, font);
      canvas.drawText(label, left + Math.floor((cell - textWidth(label, { scale: font })) / 2), labelTop, LABEL, { scale: font });
      const panelLeft = left + Math.floor((cell - panel.width * scale) / 2);
      drawPanel(canvas, panel, panelLeft, panelTop + Math.floor((height - panel.height * scale) / 2), scale);
      left += cell + pad;
    });
  });
  return { width: canvas.width, height: canvas.height, rgb: canvas.rgb };
}

/** Renders the montage and writes it as a PNG to `path` (atomically, creating the folder). */
export function writeSliceMontage(path: string, options: SliceMontageOptions): void {
  const image = renderSliceMontage(options);
  writePng(path, image.width, image.height, image.rgb, 3);
}

/**
 * The three central planes of a C-order volume of shape [D, H, W] (D the
 * slice axis, increasing toward superior as in RAS-canonical images):
 * axial = slice D/2 (W wide, H tall), coronal = row H/2 (W wide, D tall) and
 * sagittal = column W/2 (H wide, D tall). Coronal and sagittal are flipped
 * vertically so that superior is at the top. The planes are copies of the
 * volume's array type, so a label volume gives Uint8Array overlays.
 */
export function centralSlices<T extends Voxels>(
  volume: T,
  shape: readonly [number, number, number],
): { axial: Plane<T>; coronal: Plane<T>; sagittal: Plane<T> } {
  const [D, H, W] = shape;
  if (![D, H, W].every((n) => Number.isInteger(n) && n > 0)) throw new RangeError(`invalid volume shape [${shape.join(', ')}]`);
  if (volume.length !== D * H * W) throw new RangeError(`volume of shape [${shape.join(', ')}] needs ${D * H * W} values, got ${volume.length}`);
  const empty = (n: number) => (volume instanceof Uint8Array ? new Uint8Array(n) : new Float32Array(n)) as T;
  const [d, h, w] = [Math.floor(D / 2), Math.floor(H / 2), Math.floor(W / 2)];
  const axial = volume.slice(d * H * W, (d + 1) * H * W) as T;
  const coronal = empty(D * W);
  const sagittal = empty(D * H);
  for (let row = 0; row < D; row++) {
    const slab = (D - 1 - row) * H * W;
    for (let x = 0; x < W; x++) coronal[row * W + x] = volume[slab + h * W + x];
    for (let x = 0; x < H; x++) sagittal[row * H + x] = volume[slab + x * W + w];
  }
  return {
    axial: { data: axial, width: W, height: H },
    coronal: { data: coronal, width: W, height: D },
    sagittal: { data: sagittal, width: H, height: D },
  };
}
