import { type RgbImage, Raster } from './raster.js';

/** Images laid out row by row, `columns` per row, each in a cell as large as the largest image. */
export function imageGrid(images: readonly RgbImage[], columns: number): RgbImage {
  const cellWidth = Math.max(...images.map((i) => i.width));
  const cellHeight = Math.max(...images.map((i) => i.height));
  const rows = Math.ceil(images.length / columns);
  const canvas = new Raster(cellWidth * Math.min(columns, images.length), cellHeight * rows);
  images.forEach((image, i) => canvas.drawImage(image, (i % columns) * cellWidth, Math.floor(i / columns) * cellHeight));
  return canvas;
}
