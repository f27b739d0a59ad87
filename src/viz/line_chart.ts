import { CAP_ROWS } from './bitmap_font.js';
import { SERIES_COLORS, parseColor } from './palette.js';
import { writePng } from './png.js';
import { type Rgb, type RgbImage, Raster, lineHeight, textWidth } from './raster.js';
import { type Axis, formatTicks, linearAxis, logAxis } from './ticks.js';

export interface ChartSeries {
  name: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  /** [r, g, b] or '#rrggbb'; defaults to the next Tableau 10 colour. */
  color?: Rgb | string;
}

export interface LineChartOptions {
  title?: string;
  series: readonly ChartSeries[];
  width?: number;
  height?: number;
  /** Logarithmic y axis; points with y ≤ 0 are skipped like non-finite ones. */
  logY?: boolean;
  xLabel?: string;
  yLabel?: string;
}

const PAPER: Rgb = [255, 255, 255];
const INK: Rgb = [34, 34, 34];
const FRAME: Rgb = [120, 120, 120];
const GRID: Rgb = [232, 232, 232];
const MUTED: Rgb = [150, 150, 150];

interface Trace {
  name: string;
  color: Rgb;
  /** Pixel coordinates of the drawable points, in the given order. */
  px: Float64Array;
  py: Float64Array;
}

interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** The points of a series that can be drawn: finite, and positive in y on a log axis. */
function drawablePoints(series: ChartSeries, logY: boolean): { x: number[]; y: number[] } {
  if (series.x.length !== series.y.length) {
    throw new RangeError(`series '${series.name}' has ${series.x.length} x values but ${series.y.length} y values`);
  }
  const x: number[] = [];
  const y: number[] = [];
  for (let i = 0; i < series.x.length; i++) {
    if (Number.isFinite(series.x[i]) && Number.isFinite(series.y[i]) && (!logY || series.y[i] > 0)) {
      x.push(series.x[i]);
      y.push(series.y[i]);
    }
  }
  return { x, y };
}

function extent(values: readonly number[][]): [number, number] | undefined {
  let min = Infinity;
  let max = -Infinity;
  for (const list of values) for (const v of list) [min, max] = [Math.min(min, v), Math.max(max, v)];
  return min <= max ? [min, max] : undefined;
}

/** A linear x axis with as many ticks as fit `span` pixels without their labels touching. */
function fittedXAxis(min: number, max: number, span: number, scale: number): Axis {
  for (let target = Math.max(2, Math.round(span / (50 * scale))); ; target--) {
    const axis = linearAxis(min, max, target);
    const widest = Math.max(...formatTicks(axis.ticks).map((label) => textWidth(label, { scale })));
    const spacing = span / Math.max(1, axis.ticks.length - 1);
    if (widest + 6 * scale <= spacing || target <= 2) return axis;
  }
}

/** How many sampled points of the traces fall inside `box`. */
function pointsInside(traces: readonly Trace[], box: Box): number {
  let count = 0;
  const inside = (x: number, y: number) => x >= box.x && x < box.x + box.w && y >= box.y && y < box.y + box.h;
  for (const { px, py } of traces) {
    for (let i = 0; i < px.length; i++) {
      if (inside(px[i], py[i])) count++;
      if (i + 1 === px.length) continue;
      const steps = Math.floor(Math.hypot(px[i + 1] - px[i], py[i + 1] - py[i]) / 4);
      for (let s = 1; s < steps; s++) {
        if (inside(px[i] + ((px[i + 1] - px[i]) * s) / steps, py[i] + ((py[i + 1] - py[i]) * s) / steps)) count++;
      }
    }
  }
  return count;
}

/**
 * An RGB line chart: framed plot with grid lines at nice tick values, tick
 * labels, optional title and axis labels, and a legend in whichever plot
 * corner the lines cross least. Non-finite points are skipped, so the line
 * joins their neighbours (series logged at different steps can share one x
 * array with NaN gaps). Sparse series also get a dot at every point.
 */
export function renderLineChart(options: LineChartOptions): RgbImage {
  const { title = '', series, width = 800, height = 500, logY = false, xLabel = '', yLabel = '' } = options;
  const canvas = new Raster(width, height, PAPER);
  const scale = Math.max(1, Math.round(Math.min(width / 400, height / 250)));
  const pad = 6 * scale;
  const tick = 3 * scale;
  const line = lineHeight(scale);
  const titleStyle = { scale: scale + 1, bold: true };

  const points = series.map((s) => drawablePoints(s, logY));
  const xRange = extent(points.map((p) => p.x)) ?? [0, 1];
  const yRange = extent(points.map((p) => p.y)) ?? (logY ? [1, 10] : [0, 1]);

  const top = pad + (title ? lineHeight(titleStyle.scale) + pad : pad);
  const bottom = height - (pad + (xLabel ? line + pad / 2 : 0) + line + tick + pad / 2);
  const plotHeight = bottom - top + 1;
  const yTarget = Math.max(2, Math.round(plotHeight / (3.5 * line)));
  const yAxis = logY ? logAxis(yRange[0], yRange[1], yTarget) : linearAxis(yRange[0], yRange[1], yTarget);
  const yLabels = formatTicks(yAxis.ticks);
  const left = pad + (yLabel ? line + pad : 0) + Math.max(...yLabels.map((l) => textWidth(l, { scale }))) + tick + pad / 2;
  let right = width - 1 - 2 * pad;
  let xAxis = fittedXAxis(xRange[0], xRange[1], right - left, scale);
  right = width - 1 - Math.max(2 * pad, textWidth(formatTicks(xAxis.ticks).at(-1)!, { scale }) / 2 + pad);
  xAxis = fittedXAxis(xRange[0], xRange[1], right - left, scale);
  if (right - left < 16 || plotHeight < 16) throw new RangeError(`chart ${width}×${height} is too small for its labels`);

  const toY = (v: number) => (logY ? Math.log10(v) : v);
  const px = (x: number) => left + ((x - xAxis.min) / (xAxis.max - xAxis.min)) * (right - left);
  const py = (y: number) => bottom - ((toY(y) - toY(yAxis.min)) / (toY(yAxis.max) - toY(yAxis.min))) * (bottom - top);

  for (const t of yAxis.ticks) canvas.fillRect(left, Math.round(py(t)), right - left + 1, 1, GRID);
  for (const t of xAxis.ticks) canvas.fillRect(Math.round(px(t)), top, 1, plotHeight, GRID);
  canvas.strokeRect(left, top, right - left + 1, plotHeight, FRAME);
  yAxis.ticks.forEach((t, i) => {
    const y = Math.round(py(t));
    canvas.fillRect(left - tick, y, tick, 1, FRAME);
    canvas.drawText(yLabels[i], left - tick - pad / 2 - textWidth(yLabels[i], { scale }), y - Math.floor((CAP_ROWS * scale) / 2), INK, { scale });
  });
  const xLabels = formatTicks(xAxis.ticks);
  xAxis.ticks.forEach((t, i) => {
    const x = Math.round(px(t));
    const label = xLabels[i];
    canvas.fillRect(x, bottom + 1, 1, tick, FRAME);
    canvas.drawText(label, x - Math.floor(textWidth(label, { scale }) / 2), bottom + tick + pad / 2, INK, { scale });
  });
  if (title) {
    canvas.drawText(title, Math.round((width - textWidth(title, titleStyle)) / 2), pad, INK, titleStyle);
  }
  if (xLabel) {
    canvas.drawText(xLabel, Math.round((left + right - textWidth(xLabel, { scale })) / 2), height - pad - line, INK, { scale });
  }
  if (yLabel) {
    canvas.drawText(yLabel, pad, Math.round((top + bottom - textWidth(yLabel, { scale })) / 2), INK, { scale, vertical: true });
  }

  const lineWidth = 1.25 * scale;
  const traces: Trace[] = points.map((p, i) => ({
    name: series[i].name,
    color: parseColor(series[i].color ?? SERIES_COLORS[i % SERIES_COLORS.length]),
    px: Float64Array.from(p.x, px),
    py: Float64Array.from(p.y, py),
  }));
  for (const trace of traces) {
    canvas.strokePolyline(trace.px, trace.py, trace.color, lineWidth);
    if (trace.px.length > 0 && (right - left) / trace.px.length >= 12) {
      for (let i = 0; i < trace.px.length; i++) canvas.drawLine(trace.px[i], trace.py[i], trace.px[i], trace.py[i], trace.color, 2.5 * lineWidth);
    }
  }
  if (traces.every((t) => t.px.length === 0)) {
    const message = 'no data';
    canvas.drawText(message, Math.round((left + right - textWidth(message, { scale })) / 2), Math.round((top + bottom - line) / 2), MUTED, { scale });
  }
  if (traces.length > 0) drawLegend(canvas, traces, { x: left, y: top, w: right - left + 1, h: plotHeight }, scale);
  return { width, height, rgb: canvas.rgb };
}

function drawLegend(canvas: Raster, traces: readonly Trace[], plot: Box, scale: number): void {
  const pad = 4 * scale;
  const swatch = 10 * scale;
  const row = lineHeight(scale) + 2 * scale;
  const w = pad + swatch + pad + Math.max(...traces.map((t) => textWidth(t.name, { scale }))) + pad;
  const h = pad + row * traces.length - 2 * scale + pad;
  const inset = 2 * pad;
  const xs = [plot.x + plot.w - inset - w, plot.x + inset];
  const ys = [plot.y + inset, plot.y + plot.h - inset - h];
  // Top-right first so that ties (including a legend wider than the plot) keep the usual place.
  const corners = ys.flatMap((y) => xs.map((x) => ({ x, y, w, h })));
  const crossings = corners.map((c) => pointsInside(traces, c));
  const box = corners[crossings.indexOf(Math.min(...crossings))];
  canvas.fillRect(box.x, box.y, w, h, PAPER, 0.9);
  canvas.strokeRect(box.x, box.y, w, h, GRID);
  traces.forEach((trace, i) => {
    const y = box.y + pad + i * row;
    const middle = y + Math.floor((CAP_ROWS * scale) / 2);
    canvas.drawLine(box.x + pad, middle, box.x + pad + swatch, middle, trace.color, 1.25 * scale + 0.5);
    canvas.drawText(trace.name, box.x + pad + swatch + pad, y, INK, { scale });
  });
}

/** Renders the chart and writes it as a PNG to `path` (atomically, creating the folder). */
export function writeLineChart(path: string, options: LineChartOptions): void {
  const image = renderLineChart(options);
  writePng(path, image.width, image.height, image.rgb, 3);
}
