// What a person looks at during pre-training: loss curves and a
// reconstruction snapshot (input, mask, prediction) written as PNGs into the
// run folder.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as T from '../engine/index.js';
import { SeededRandom } from '../data/seeded-random.js';
import { blockMask } from '../data/transforms/block_mask.js';
import { samplePretrainViews } from '../data/transforms/pretrain_views.js';
import { upsampleMask } from './losses.js';
import type { Pretrainer, StepMetrics } from './pretrainer.js';
import { writeLineChart } from '../viz/line_chart.js';
import { centralSlices, renderSliceMontage } from '../viz/slices.js';
import { writePng } from '../viz/png.js';

export function writePretrainSnapshots(trainer: Pretrainer): void {
  writeLossCurves(trainer.metricsPath, join(trainer.options.outDir, 'loss_curves.png'));
  writeReconstruction(trainer, join(trainer.options.outDir, 'reconstruction.png'));
}

export function writeLossCurves(metricsPath: string, out: string): void {
  if (!existsSync(metricsPath)) return;
  const rows: StepMetrics[] = readFileSync(metricsPath, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
  const x = rows.map((r) => r.step);
  writeLineChart(out, {
    title: 'SMIT pre-training losses',
    xLabel: 'step',
    yLabel: 'loss',
    logY: true,
    series: [
      { name: 'total', x, y: rows.map((r) => r.loss) },
      { name: 'MIP', x, y: rows.map((r) => r.mip) },
      { name: 'MPD', x, y: rows.map((r) => r.mpd) },
      { name: 'ITD', x, y: rows.map((r) => r.itd) },
    ],
  });
}

/** Two views of the first volume, masked as in training (fixed seed), through the student in eval mode. */
export function writeReconstruction(trainer: Pretrainer, out: string): void {
  const rng = new SeededRandom(12345);
  const { config, recipe } = trainer;
  const panels = T.tidy(() =>
    T.noGrad(() => {
      const views = samplePretrainViews(trainer.volumes[0].volume, recipe, rng);
      const masks = [0, 1].map(() => blockMask(recipe.view, { block: trainer.options.maskBlock, ratio: trainer.options.maskRatio, patch: config.patch }, rng));
      const patchMask = T.stack(masks.map((m) => m.patchMask));
      const wasTraining = trainer.student.training;
      trainer.student.eval();
      const rec = trainer.student.forward(views, patchMask).reconstruction!;
      trainer.student.train(wasTraining);
      const voxelMask = upsampleMask(patchMask, config.patch).to('float32');
      const masked = views.mul(voxelMask.neg().add(1));
      const slice = (t: T.Tensor, b: number) => centralSlices(t.select(0, b).select(0, 0).contiguous().data() as Float32Array, recipe.view).axial;
      const range: [number, number] = [0, 1];
      return [0, 1].map((b) => ({
        title: `view ${b + 1}`,
        panels: [
          { label: 'input', ...slice(views, b), range },
          { label: 'masked input', ...slice(masked, b), range },
          { label: 'reconstruction', ...slice(rec, b), range },
        ],
      }));
    }),
  );
  const image = renderSliceMontage({ rows: panels, scale: 2 });
  writePng(out, image.width, image.height, image.rgb, 3);
}
