import { GLYPH_ROWS, glyphFor } from './bitmap_font.js';

export type Rgb = readonly [number, number, number];

export interface RgbImage {
  readonly width: number;
  readonly height: number;
  /** Row-major, top row first, 3 bytes (R, G, B) per pixel. */
  readonly rgb: Uint8Array;
}

export interface TextStyle {
  /** Each font pixel becomes a `scale`×`scale` block. */
  scale?: number;
  /** Rotated a quarter turn counter-clockwise, reading upward (for y-axis labels). */
  vertical?: boolean;
  /** Each stroke doubled one pixel to the right. */
  bold?: boolean;
}

/** Advance in font pixels between neighbouring glyphs. */
const LETTER_SPACING = 1;

/** Width in pixels of `text` drawn horizontally at `scale` (its height when vertical). */
export function textWidth(text: string, { scale = 1, bold = false }: TextStyle = {}): number {
  if (text.length === 0) return 0;
  let columns = -LETTER_SPACING;
  for (const char of text) columns += glyphFor(char).width + LETTER_SPACING;
  return columns * scale + (bold ? 1 : 0);
}

/** Height in pixels of one line of text at `scale`, descenders included. */
export function lineHeight(scale = 1): number {
  return GLYPH_ROWS * scale;
}

/** A mutable RGB canvas. Coordinates are pixel centres: pixel (x, y) covers [x - ½, x + ½]. */
export class Raster implements RgbImage {
  readonly rgb: Uint8Array;

  constructor(
    readonly width: number,
    readonly height: number,
    background: Rgb = [255, 255, 255],
  ) {
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
      throw new RangeError(`canvas size must be positive integers, got ${width}×${height}`);
    }
    this.rgb = new Uint8Array(width * height * 3);
    this.fill(background);
  }

  /** Copies `image` with its top-left corner at (left, top), clipped to the canvas. */
  drawImage(image: RgbImage, left: number, top: number): void {
    for (let y = 0; y < image.height; y++) {
      const Y = top + y;
      if (Y < 0 || Y >= this.height) continue;
      for (let x = 0; x < image.width; x++) {
        const X = left + x;
        if (X < 0 || X >= this.width) continue;
        const from = (y * image.width + x) * 3;
        this.rgb.set(image.rgb.subarray(from, from + 3), (Y * this.width + X) * 3);
      }
    }
  }

  fill(color: Rgb): void {
    for (let i = 0; i < this.rgb.length; i += 3) this.rgb.set(color, i);
  }

  /** Mixes `color` into the pixel at integer (x, y) with opacity `alpha`; pixels off the canvas are ignored. */
  blend(x: number, y: number, color: Rgb, alpha = 1): void {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height || alpha <= 0) return;
    const i = (y * this.width + x) * 3;
    if (alpha >= 1) {
      this.rgb.set(color, i);
      return;
    }
    for (let k = 0; k < 3; k++) this.rgb[i + k] = Math.round(this.rgb[i + k] + (color[k] - this.rgb[i + k]) * alpha);
  }

  /** Fills the `w`×`h` block of pixels whose top-left pixel is (x, y), clipped to the canvas. */
  fillRect(x: number, y: number, w: number, h: number, color: Rgb, alpha = 1): void {
    const x0 = Math.max(0, Math.round(x));
    const y0 = Math.max(0, Math.round(y));
    const x1 = Math.min(this.width, Math.round(x + w));
    const y1 = Math.min(this.height, Math.round(y + h));
    for (let py = y0; py < y1; py++) for (let px = x0; px < x1; px++) this.blend(px, py, color, alpha);
  }

  /** One-pixel outline just inside the `w`×`h` block at (x, y). */
  strokeRect(x: number, y: number, w: number, h: number, color: Rgb): void {
    this.fillRect(x, y, w, 1, color);
    this.fillRect(x, y + h - 1, w, 1, color);
    this.fillRect(x, y, 1, h, color);
    this.fillRect(x + w - 1, y, 1, h, color);
  }

  drawLine(x0: number, y0: number, x1: number, y1: number, color: Rgb, lineWidth = 1): void {
    this.strokePolyline([x0, x1], [y0, y1], color, lineWidth);
  }

  /**
   * Anti-aliased polyline with round joins and caps; a single point is drawn
   * as a dot of diameter `lineWidth`. Each pixel's coverage is taken from its
   * distance to the nearest segment, and the maximum over segments is blended
   * once, so joints are not darkened by overlapping segments.
   */
  strokePolyline(xs: ArrayLike<number>, ys: ArrayLike<number>, color: Rgb, lineWidth = 1): void {
    const n = Math.min(xs.length, ys.length);
    if (n === 0) return;
    const reach = lineWidth / 2 + 0.5;
    let minX = Infinity;
    let minY = Infinity;
    let maxX = -Infinity;
    let maxY = -Infinity;
    for (let i = 0; i < n; i++) {
      minX = Math.min(minX, xs[i]);
      maxX = Math.max(maxX, xs[i]);
      minY = Math.min(minY, ys[i]);
      maxY = Math.max(maxY, ys[i]);
    }
    const bx0 = Math.max(0, Math.floor(minX - reach));
    const by0 = Math.max(0, Math.floor(minY - reach));
    const bx1 = Math.min(this.width - 1, Math.ceil(maxX + reach));
    const by1 = Math.min(this.height - 1, Math.ceil(maxY + reach));
    if (bx0 > bx1 || by0 > by1) return;
    const boxWidth = bx1 - bx0 + 1;
    const coverage = new Float32Array(boxWidth * (by1 - by0 + 1));
    for (let i = 0; i < Math.max(1, n - 1); i++) {
      const ax = xs[i];
      const ay = ys[i];
      const dx = xs[Math.min(i + 1, n - 1)] - ax;
      const dy = ys[Math.min(i + 1, n - 1)] - ay;
      const length2 = dx * dx + dy * dy;
      const x0 = Math.max(bx0, Math.floor(Math.min(ax, ax + dx) - reach));
      const x1 = Math.min(bx1, Math.ceil(Math.max(ax, ax + dx) + reach));
      const y0 = Math.max(by0, Math.floor(Math.min(ay, ay + dy) - reach));
      const y1 = Math.min(by1, Math.ceil(Math.max(ay, ay + dy) + reach));
      for (let y = y0; y <= y1; y++) {
        for (let x = x0; x <= x1; x++) {
          const t = length2 > 0 ? Math.min(1, Math.max(0, ((x - ax) * dx + (y - ay) * dy) / length2)) : 0;
          const cover = reach - Math.hypot(x - ax - t * dx, y - ay - t * dy);
          if (cover <= 0) continue;
          const k = (y - by0) * boxWidth + (x - bx0);
          coverage[k] = Math.max(coverage[k], Math.min(1, cover));
        }
      }
    }
    for (let k = 0; k < coverage.length; k++) {
      if (coverage[k] > 0) this.blend(bx0 + (k % boxWidth), by0 + Math.floor(k / boxWidth), color, coverage[k]);
    }
  }

  /** Draws `text` with the top-left corner of its box at (x, y). */
  drawText(text: string, x: number, y: number, color: Rgb, style: TextStyle = {}): void {
    const { scale = 1, vertical = false, bold = false } = style;
    const length = textWidth(text, { scale, bold });
    let along = 0;
    for (const char of text) {
      const glyph = glyphFor(char);
      for (let row = 0; row < GLYPH_ROWS; row++) {
        for (let column = 0; column < glyph.width; column++) {
          if (!(glyph.rows[row] & (0x10 >> (glyph.left + column)))) continue;
          const u = along + column * scale;
          const v = row * scale;
          for (let extra = 0; extra <= (bold ? 1 : 0); extra++) {
            if (vertical) this.fillRect(x + v, y + length - u - scale - extra, scale, scale, color);
            else this.fillRect(x + u + extra, y + v, scale, scale, color);
          }
        }
      }
      along += (glyph.width + LETTER_SPACING) * scale;
    }
  }
}
