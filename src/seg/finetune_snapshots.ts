// What a person looks at during fine-tuning: progress.png (training loss and
// validation Dice per organ, as nnU-Net's progress.png) and an overlay of the
// prediction on the first validation case next to its reference.
import * as T from '../engine/index.js';
import type { Tensor } from '../engine/index.js';
import { MetricsLog } from '../util/metrics_log.js';
import { imageGrid } from '../viz/image_grid.js';
import { renderLineChart } from '../viz/line_chart.js';
import { writePng } from '../viz/png.js';
import { type Plane, centralSlices, writeSliceMontage } from '../viz/slices.js';
import type { LabelledCase } from './finetune_data.js';
import type { FinetuneStepMetrics, Finetuner, ValidationResult } from './finetuner.js';
import type { FinetuneRunFiles } from './run_files.js';

export function writeFinetuneSnapshots(finetuner: Finetuner, sample: LabelledCase | undefined, files: FinetuneRunFiles): void {
  const steps = new MetricsLog<FinetuneStepMetrics>(files.metrics).read();
  const validations = new MetricsLog<ValidationResult>(files.validation).read();
  if (steps.length > 0) writeProgress(steps, validations, finetuner.classNames, files.progress);
  if (sample) writeValidationOverlay(finetuner, sample, files.overlay);
}

export function writeProgress(steps: readonly FinetuneStepMetrics[], validations: readonly ValidationResult[], classNames: readonly string[], out: string): void {
  const x = steps.map((s) => s.step);
  const vx = validations.map((v) => v.step);
  const loss = renderLineChart({
    title: 'training loss',
    xLabel: 'step',
    yLabel: 'loss',
    width: 560,
    height: 360,
    series: [
      { name: 'Dice + CE', x, y: steps.map((s) => s.loss) },
      { name: 'Dice', x, y: steps.map((s) => s.lossDice) },
      { name: 'cross-entropy', x, y: steps.map((s) => s.lossCe) },
    ],
  });
  const dice = renderLineChart({
    title: 'validation Dice (sliding window)',
    xLabel: 'step',
    yLabel: 'Dice',
    width: 560,
    height: 360,
    series: [
      { name: 'mean', x: vx, y: validations.map((v) => v.meanDice) },
      ...classNames.slice(1).map((name, k) => ({ name, x: vx, y: validations.map((v) => v.meanPerClass[k]) })),
    ],
  });
  const image = imageGrid([loss, dice], 2);
  writePng(out, image.width, image.height, image.rgb, 3);
}

/** Central planes of a [X, Y, Z] tensor (axial = a Z slice), as the slice renderer expects them. */
function planes<A extends Float32Array | Uint8Array>(volume: Tensor): { axial: Plane<A>; coronal: Plane<A>; sagittal: Plane<A> } {
  const [nx, ny, nz] = volume.shape;
  return centralSlices(T.tidy(() => volume.permute([2, 1, 0]).contiguous().data()) as A, [nz, ny, nx]);
}

export function writeValidationOverlay(finetuner: Finetuner, sample: LabelledCase, out: string): void {
  const predicted = finetuner.predict(sample.scan);
  try {
    const [image, reference, prediction] = T.tidy(() => [
      planes<Float32Array>(sample.scan.image.select(0, 0)),
      planes<Uint8Array>(sample.scan.label!.select(0, 0)),
      planes<Uint8Array>(predicted),
    ]);
    const rows = (['axial', 'coronal'] as const).map((plane) => ({
      title: `${sample.id}, ${plane}`,
      panels: [
        { label: 'image', ...image[plane] },
        { label: 'reference', ...image[plane], overlay: reference[plane] },
        { label: `prediction (step ${finetuner.step})`, ...image[plane], overlay: prediction[plane] },
      ],
    }));
    writeSliceMontage(out, { rows, scale: 2 });
  } finally {
    predicted.dispose();
  }
}
