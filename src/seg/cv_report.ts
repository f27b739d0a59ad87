import { renderBarChart } from '../viz/bar_chart.js';
import { writePng } from '../viz/png.js';
import type { ArmSummary } from './cross_validation.js';

/** Dice per organ (mean ± sd over held-out cases), one bar per arm. */
export function writeCvChart(path: string, summaries: readonly ArmSummary[], organNames: readonly string[]): void {
  const image = renderBarChart({
    title: 'cross-validation Dice per organ (mean ± sd)',
    series: summaries.map((s) => `${s.arm} (mean ${s.meanDice.toFixed(3)})`),
    groups: [...organNames, 'mean'].map((name) => ({
      label: name,
      values: summaries.map((s) => (name === 'mean' ? s.meanDice : s.organs[name].dice[0])),
      errors: summaries.map((s) => (name === 'mean' ? NaN : s.organs[name].dice[1])),
    })),
    yMax: 1,
  });
  writePng(path, image.width, image.height, image.rgb, 3);
}
