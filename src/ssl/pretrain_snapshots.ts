// What a person looks at during pre-training, written as PNGs into the run
// folder: the losses, the collapse diagnostics of both distillation branches,
// and a reconstruction snapshot.
import * as T from '../engine/index.js';
import type { Tensor } from '../engine/index.js';
import { SeededRandom } from '../data/index.js';
import { renderLineChart, writeLineChart } from '../viz/line_chart.js';
import { imageGrid } from '../viz/image_grid.js';
import { writePng } from '../viz/png.js';
import { type Plane, centralSlices, renderSliceMontage } from '../viz/slices.js';
import { MetricsLog } from '../util/metrics_log.js';
import { blockMask } from './block_mask.js';
import type { BranchDiagnostics } from './diagnostics.js';
import { upsampleMask } from './losses.js';
import { samplePretrainViews } from './recipe.js';
import type { Pretrainer, StepMetrics } from './pretrainer.js';
import type { PretrainRunFiles } from './run_files.js';

export function writePretrainSnapshots(trainer: Pretrainer, files: PretrainRunFiles): void {
  const rows = new MetricsLog<StepMetrics>(files.metrics).read();
  if (rows.length > 0) {
    writeLossCurves(rows, files.lossCurves);
    writeDiagnostics(rows, files.diagnostics, trainer.config.outDim);
  }
  writeReconstruction(trainer, files.reconstruction);
}

export function writeLossCurves(rows: readonly StepMetrics[], out: string): void {
  const x = rows.map((r) => r.step);
  writeLineChart(out, {
    title: 'SMIT pre-training losses',
    xLabel: 'step',
    yLabel: 'loss',
    logY: true,
    series: [
      { name: 'total = MIP + λ·MPD + λ·ITD', x, y: rows.map((r) => r.lossTotal) },
      { name: 'MIP', x, y: rows.map((r) => r.lossMip) },
      { name: 'MPD (unweighted)', x, y: rows.map((r) => r.lossMpd) },
      { name: 'ITD (unweighted)', x, y: rows.map((r) => r.lossItd) },
    ],
  });
}

/** Six charts: KL, teacher entropy, batch-mean entropy, prototypes in use, argmax agreement (ITD and MPD each), and MIP against its block-mean baseline. */
export function writeDiagnostics(rows: readonly StepMetrics[], out: string, prototypes: number): void {
  const x = rows.map((r) => r.step);
  const both = (pick: (d: BranchDiagnostics) => number) => [
    { name: 'ITD (global)', x, y: rows.map((r) => pick(r.diagnostics.itd)) },
    { name: 'MPD (patch)', x, y: rows.map((r) => pick(r.diagnostics.mpd)) },
  ];
  const chart = (title: string, yLabel: string, series: { name: string; x: number[]; y: number[] }[], logY = false) =>
    renderLineChart({ title, xLabel: 'step', yLabel, series, width: 520, height: 340, logY });
  const uniform = { name: `uniform (log ${prototypes})`, x, y: x.map(() => Math.log(prototypes)) };
  const image = imageGrid(
    [
      chart('KL(teacher || student)', 'nats', both((d) => d.klTeacherStudent)),
      chart('teacher entropy', 'nats', [...both((d) => d.teacherEntropy), uniform]),
      chart('entropy of the batch-mean teacher', 'nats', [...both((d) => d.batchMeanEntropy), uniform]),
      chart(`teacher argmax prototypes (of ${prototypes})`, 'count', both((d) => d.teacherPrototypes)),
      chart('student/teacher argmax agreement', 'fraction', both((d) => d.argmaxAgreement)),
      chart('MIP against two baselines', 'L1', [
        { name: 'MIP (student)', x, y: rows.map((r) => r.lossMip) },
        ...(rows.every((r) => r.mipVisibleMeanBaseline !== undefined)
          ? [{ name: 'visible-voxel mean', x, y: rows.map((r) => r.mipVisibleMeanBaseline) }]
          : []),
        { name: 'hidden block mean (oracle)', x, y: rows.map((r) => r.mipBlockMeanBaseline) },
      ]),
    ],
    2,
  );
  writePng(out, image.width, image.height, image.rgb, 3);
}

/** The three central planes of a [X, Y, Z] tensor, shown axial (Z slice), coronal and sagittal. */
function planes<A extends Float32Array | Uint8Array>(volume: Tensor): { axial: Plane<A>; coronal: Plane<A> } {
  const [nx, ny, nz] = volume.shape;
  const data = T.tidy(() => volume.permute([2, 1, 0]).contiguous().data()) as A;
  return centralSlices(data, [nz, ny, nx]);
}

/**
 * Two views of the first volume, masked as in training (fixed seed), through
 * the student in eval mode. Every panel shares the [0, 1] window of the
 * network's input; masked blocks are outlined, and the last panel shows what
 * the loss scores: the reconstruction inside masked blocks, the input elsewhere.
 */
export function writeReconstruction(trainer: Pretrainer, out: string): void {
  const rng = new SeededRandom(12345);
  const { config, recipe } = trainer;
  const range: [number, number] = [0, 1];
  const rows = T.tidy(() =>
    T.noGrad(() => {
      const pair = trainer.volumes.use(0, (volume) => samplePretrainViews(volume, recipe, rng));
      const masks = [0, 1].map(() => blockMask(recipe.view, { block: trainer.options.maskBlock, ratio: trainer.options.maskRatio, patch: config.patch }, rng));
      const patchMask = T.stack(masks.map((m) => m.patchMask));
      const wasTraining = trainer.student.training;
      trainer.student.eval();
      const reconstruction = trainer.student.forward(pair, patchMask).reconstruction!;
      trainer.student.train(wasTraining);
      const voxelMask = upsampleMask(patchMask, config.patch).to('float32');
      const masked = pair.mul(voxelMask.neg().add(1));
      const composite = masked.add(reconstruction.mul(voxelMask));
      return ['axial', 'coronal'].flatMap((plane) =>
        [0, 1].map((b) => {
          const pick = <A extends Float32Array | Uint8Array>(t: Tensor) => planes<A>(t.select(0, b).select(0, 0))[plane as 'axial' | 'coronal'];
          const outline = { overlay: pick<Uint8Array>(voxelMask.to('uint8')), overlayStyle: 'outline' as const };
          return {
            title: `view ${b + 1}, ${plane}`,
            panels: [
              { label: 'input', ...pick<Float32Array>(pair), range, ...outline },
              { label: 'student input', ...pick<Float32Array>(masked), range },
              { label: 'reconstruction', ...pick<Float32Array>(reconstruction), range, ...outline },
              { label: 'masked blocks reconstructed', ...pick<Float32Array>(composite), range, ...outline },
            ],
          };
        }),
      );
    }),
  );
  const image = renderSliceMontage({ title: `step ${trainer.step}: masked blocks outlined, window [0, 1]`, rows, scale: 2 });
  writePng(out, image.width, image.height, image.rgb, 3);
}
