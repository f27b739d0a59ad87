// The report of a segmentation folder, opened from disk in Debian's headless
// Chromium (WebGL2 through SwiftShader): no console errors, the NiiVue
// viewer draws, the legend's colours are in the rendered slices (blended
// with the scan at the page's opacity), and the Dice table lists every
// organ. One page load (a screenshot takes ~15 s on a busy 2-core machine).
// SMIT_UPDATE_SCREENSHOT=1 saves the viewer's screenshot for the README.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import { writeReport } from '../../src/report/write_report.js';
import { labelColor } from '../../src/viz/palette.js';
import { REPO_ROOT } from '../helpers/env.js';
import { makeTempDir } from '../helpers/temp_dir.js';
import { CLASS_NAMES, writeSegmentationRun } from './helpers/segmentation_run.js';

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOT = join(REPO_ROOT, 'docs', 'report_screenshot.png');

interface PixelCheck {
  canvasPixels: number;
  distinctColors: number;
  /** Per '#rrggbb': canvas pixels that are that colour over some grey at the page's opacity. */
  blended: Record<string, number>;
}

test('segmentation report: the NiiVue viewer renders the labels in headless Chromium', { timeout: 300_000 }, async (t) => {
  if (!existsSync(CHROMIUM)) {
    const problem = `${CHROMIUM} is missing (apt-get install chromium)`;
    if (process.env.SMIT_REQUIRE_REFERENCES === '1') assert.fail(`browser required (SMIT_REQUIRE_REFERENCES=1) but ${problem}`);
    t.skip(`skipped: ${problem}`);
    return;
  }
  const root = makeTempDir('smit-report-browser-');
  const run = await writeSegmentationRun(root);
  const report = await writeReport(run.dir);
  assert.equal(report.viewers, 1);
  assert.equal(report.servedViewers, 0, 'a small run is embedded, so the page works from disk');
  assert.deepEqual(report.warnings, []);

  const { default: puppeteer } = await import('puppeteer-core');
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--headless=new'],
    timeout: 120_000,
    protocolTimeout: 240_000,
  });
  try {
    const page = await browser.newPage();
    page.setDefaultTimeout(180_000);
    await page.setViewport({ width: 1280, height: 1000 });
    const errors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(`console: ${message.text()}`);
    });
    page.on('pageerror', (error) => errors.push(`page: ${(error as Error).message}`));
    page.on('requestfailed', (request) => errors.push(`request failed: ${request.url().slice(0, 120)} (${request.failure()?.errorText})`));

    await page.goto(pathToFileURL(report.path).href, { waitUntil: 'load' });
    await page.evaluate(() => (window as unknown as { smitReport: Promise<unknown> }).smitReport);
    const state = await page.$eval('.viewer', (el) => `${(el as HTMLElement).dataset.state}: ${el.querySelector('.viewer-status')?.textContent}`);
    assert.equal(state, 'ready: ', `viewer state`);

    const viewer = (await page.$('.viewer'))!;
    const screenshot = (await viewer.screenshot({ encoding: 'base64' })) as string;
    if (process.env.SMIT_UPDATE_SCREENSHOT === '1') {
      mkdirSync(dirname(SCREENSHOT), { recursive: true });
      writeFileSync(SCREENSHOT, Buffer.from(screenshot, 'base64'));
      t.diagnostic(`wrote ${SCREENSHOT}`);
    }
    // Absent ids' palette colours: the control that the colour test tells colours apart.
    const controls = [4, 5, 6].map((id) => labelColor(id));
    const pixels: PixelCheck = await page.evaluate(
      async (png: string, controlColors: number[][]) => {
        const image = new Image();
        image.src = `data:image/png;base64,${png}`;
        await image.decode();
        const canvas = document.createElement('canvas');
        canvas.width = image.width;
        canvas.height = image.height;
        const context = canvas.getContext('2d')!;
        context.drawImage(image, 0, 0);
        const box = document.querySelector('.viewer')!.getBoundingClientRect();
        const view = document.querySelector('.viewer canvas')!.getBoundingClientRect();
        const { data } = context.getImageData(Math.round(view.left - box.left), Math.round(view.top - box.top), Math.round(view.width), Math.round(view.height));
        const alpha = Number((document.querySelector('input[data-opacity]') as HTMLInputElement).value);
        const hex = (rgb: number[]) => `#${rgb.map((c) => c.toString(16).padStart(2, '0')).join('')}`;
        const legend = [...document.querySelectorAll<HTMLElement>('.legend li')].map((li) => li.dataset.color!);
        const blended: Record<string, number> = {};
        for (const color of [...legend, ...controlColors.map(hex)]) {
          const rgb = [1, 3, 5].map((k) => parseInt(color.slice(k, k + 2), 16));
          let count = 0;
          for (let i = 0; i < data.length; i += 4) {
            // The grey under the label, channel by channel: equal for a true blend.
            const grey = [0, 1, 2].map((k) => (data[i + k] - alpha * rgb[k]) / (1 - alpha));
            if (Math.max(...grey) - Math.min(...grey) <= 24 && Math.min(...grey) >= -20 && Math.max(...grey) <= 275) count++;
          }
          blended[color] = count;
        }
        const distinct = new Set<number>();
        for (let i = 0; i < data.length; i += 4) distinct.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
        return { canvasPixels: data.length / 4, distinctColors: distinct.size, blended };
      },
      screenshot,
      controls.map((c) => [...c]),
    );
    t.diagnostic(JSON.stringify(pixels));
    assert.ok(pixels.canvasPixels > 100_000, 'the viewer canvas has a size');
    assert.ok(pixels.distinctColors > 1000, `the canvas is drawn (${pixels.distinctColors} distinct colours)`);
    const legendColors = await page.$$eval('.legend li', (items) => items.map((li) => [li.querySelector('.organ')!.textContent, (li as HTMLElement).dataset.color]));
    assert.deepEqual(
      legendColors,
      CLASS_NAMES.slice(1).map((name, k) => [name, `#${labelColor(k + 1).map((c) => c.toString(16).padStart(2, '0')).join('')}`]),
      'the legend names every organ in the palette colour of its id',
    );
    const controlMax = Math.max(...controls.map((c) => pixels.blended[`#${c.map((v) => v.toString(16).padStart(2, '0')).join('')}`]));
    for (const [organ, color] of legendColors) {
      const count = pixels.blended[color!];
      assert.ok(count >= 400 && count > 3 * controlMax, `${organ} (${color}) is in the rendered slices: ${count} pixels (absent colours: at most ${controlMax})`);
    }

    const diceOrgans = await page.$$eval('section[data-kind="evaluation"] table.dice tr[data-organ]', (rows) => rows.map((r) => (r as HTMLElement).dataset.organ));
    assert.deepEqual(diceOrgans, CLASS_NAMES.slice(1), 'the Dice table lists every organ');
    const dice = await page.$$eval('section[data-kind="evaluation"] table.dice tr[data-organ] td:nth-child(2)', (cells) => cells.map((c) => Number(c.textContent)));
    for (const value of dice) assert.ok(value > 0.5 && value < 1, `Dice ${value} of the shifted prediction`);

    // The reference found through summary.json can be shown.
    await page.click('input[data-layer="reference"]');
    assert.deepEqual(errors, [], 'no console errors, page errors or failed requests');
  } finally {
    await browser.close();
  }
});
