// Grouped bar charts with error whiskers (e.g. Dice per organ for each arm of a comparison).
import { type Rgb, type RgbImage, Raster, lineHeight, textWidth } from './raster.js';
import { SERIES_COLORS } from './palette.js';

const seriesColor = (i: number): Rgb => SERIES_COLORS[i % SERIES_COLORS.length];

export interface BarGroup {
  label: string;
  /** One value per series; NaN draws nothing. */
  values: readonly number[];
  errors?: readonly number[];
}

export interface BarChartOptions {
  title: string;
  series: readonly string[];
  groups: readonly BarGroup[];
  yMax?: number;
  width?: number;
  height?: number;
}

const AXIS: Rgb = [60, 60, 60];
const GRID: Rgb = [225, 225, 225];

export function renderBarChart(o: BarChartOptions): RgbImage {
  const width = o.width ?? Math.max(480, 120 + o.groups.length * (o.series.length * 28 + 30));
  const height = o.height ?? 380;
  const canvas = new Raster(width, height);
  const plot = { x: 56, y: 20 + 2 * lineHeight(1), w: width - 76, h: height - 90 };
  const yMax = o.yMax ?? Math.max(...o.groups.flatMap((g) => g.values.map((v, i) => v + (g.errors?.[i] ?? 0))).filter(Number.isFinite), 1e-9);
  canvas.drawText(o.title, Math.max(4, (width - textWidth(o.title, { bold: true })) / 2), 8, AXIS, { bold: true });
  const yOf = (v: number) => plot.y + plot.h - (Math.max(0, Math.min(v, yMax)) / yMax) * plot.h;
  for (let t = 0; t <= 5; t++) {
    const v = (yMax * t) / 5;
    const y = Math.round(yOf(v));
    canvas.drawLine(plot.x, y, plot.x + plot.w, y, GRID);
    const text = v.toFixed(yMax <= 2 ? 2 : 0);
    canvas.drawText(text, plot.x - 6 - textWidth(text), y - 4, AXIS);
  }
  canvas.drawLine(plot.x, plot.y + plot.h, plot.x + plot.w, plot.y + plot.h, AXIS);
  const groupWidth = plot.w / o.groups.length;
  const barWidth = Math.max(6, Math.floor((groupWidth - 20) / o.series.length));
  o.groups.forEach((g, gi) => {
    const left = plot.x + gi * groupWidth + (groupWidth - barWidth * o.series.length) / 2;
    g.values.forEach((v, si) => {
      if (!Number.isFinite(v)) return;
      const x = Math.round(left + si * barWidth);
      const top = Math.round(yOf(v));
      canvas.fillRect(x + 1, top, barWidth - 2, plot.y + plot.h - top, seriesColor(si));
      const e = g.errors?.[si];
      if (e !== undefined && Number.isFinite(e) && e > 0) {
        const cx = x + Math.floor(barWidth / 2);
        const [hi, lo] = [Math.round(yOf(v + e)), Math.round(yOf(v - e))];
        canvas.drawLine(cx, hi, cx, lo, AXIS);
        canvas.drawLine(cx - 3, hi, cx + 3, hi, AXIS);
        canvas.drawLine(cx - 3, lo, cx + 3, lo, AXIS);
      }
    });
    canvas.drawText(g.label, Math.round(plot.x + gi * groupWidth + (groupWidth - textWidth(g.label)) / 2), plot.y + plot.h + 8, AXIS);
  });
  let lx = plot.x;
  const ly = height - lineHeight(1) - 8;
  o.series.forEach((name, si) => {
    canvas.fillRect(lx, ly + 1, 10, 10, seriesColor(si));
    canvas.drawText(name, lx + 14, ly, AXIS);
    lx += 14 + textWidth(name) + 18;
  });
  return canvas;
}
