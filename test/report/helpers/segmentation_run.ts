// A small segmentation output folder as `smit segment` and `smit evaluate`
// write it: a phantom CT (the scan, kept outside the folder, as segment's
// JSON names it by absolute path), its label map with three organs as the
// reference, a slightly shifted copy as the prediction, the JSON, the
// overlay, and summary.json / metrics.csv scored against the reference.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { generateAbdominalPhantom, saveImage } from '../../../src/data/index.js';
import { evaluate, writeEvaluation } from '../../../src/seg/evaluate.js';
import { writeSegmentationOverlay } from '../../../src/seg/overlay.js';
import { organVolumes } from '../../../src/seg/segment.js';

export const CLASS_NAMES = ['background', 'liver', 'spleen', 'kidneys'];
// Phantom ids → ours: liver 1, spleen 2, both kidneys 3; the rest is background.
const PHANTOM_TO_CLASS = [0, 1, 2, 3, 3, 0, 0, 0];

export interface SegmentationRun {
  dir: string;
  name: string;
  scan: string;
  reference: string;
}

export async function writeSegmentationRun(root: string, size: readonly [number, number, number] = [64, 64, 40]): Promise<SegmentationRun> {
  const name = 'case_01';
  const dir = join(root, 'run');
  const scansDir = join(root, 'scans');
  const referencesDir = join(root, 'references');
  for (const d of [dir, scansDir, referencesDir]) mkdirSync(d, { recursive: true });
  const phantom = generateAbdominalPhantom({ seed: 7, size });
  const referenceData = Uint8Array.from(phantom.label.data, (id) => PHANTOM_TO_CLASS[id] ?? 0);
  const reference = phantom.label.withData(referenceData);
  // The prediction: the reference moved one voxel along x, so Dice is high but below 1.
  const [nx] = phantom.label.size;
  const predictionData = new Uint8Array(referenceData.length);
  for (let i = 0; i < referenceData.length; i++) predictionData[i] = i % nx === 0 ? 0 : referenceData[i - 1];
  const prediction = phantom.label.withData(predictionData);

  const scan = join(scansDir, `${name}.nii.gz`);
  const referencePath = join(referencesDir, `${name}.nii.gz`);
  const labelsPath = join(dir, `${name}_seg.nii.gz`);
  await saveImage(phantom.image, scan);
  await saveImage(reference, referencePath);
  await saveImage(prediction, labelsPath);
  const volumes = organVolumes(prediction, CLASS_NAMES);
  writeSegmentationOverlay(join(dir, `${name}_overlay.png`), phantom.image, prediction, {
    classNames: CLASS_NAMES,
    millilitres: new Map(volumes.map((v) => [v.id, v.millilitres])),
    title: `${name}: model_best.safetensors`,
    range: [-175, 250],
  });
  const recipe = { spacing: [3, 3, 3], intensity: { kind: 'window', window: { aMin: -175, aMax: 250, bMin: 0, bMax: 1 } }, crop: [32, 32, 32] };
  const report = {
    scan: resolve(scan),
    labels: `${name}_seg.nii.gz`,
    model: '/models/model_best.safetensors',
    modelStep: 1200,
    classNames: CLASS_NAMES,
    volumes,
    size: phantom.image.size,
    spacing: phantom.image.spacing,
    settings: { window: recipe.crop, overlap: 0.5, mode: 'constant', swBatchSize: 4, tta: false, largestComponent: false, device: 'cpu', recipe },
    seconds: 4.2,
  };
  writeFileSync(join(dir, `${name}_seg.json`), `${JSON.stringify(report, null, 2)}\n`);
  const summary = await evaluate([{ id: name, prediction: labelsPath, reference: referencePath }], { classNames: CLASS_NAMES });
  await writeEvaluation(summary, dir);
  return { dir, name, scan, reference: referencePath };
}
