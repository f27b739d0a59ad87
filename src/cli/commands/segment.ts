import { existsSync } from 'node:fs';
import { UsageError, defineCommand } from '../../util/options.js';
import { PRECISION_OPTION } from '../../engine/precision.js';
import { type WindowSize, parseWindowSize } from '../../seg/predict.js';

/** --window: 'crop', 'whole' or x,y,z (the stride is checked once the model is read). */
function parseWindow(value: string): WindowSize {
  const window = parseWindowSize(value);
  if (window === undefined) throw new UsageError(`--window: expected 'crop', 'whole' or three positive integers x,y,z, got '${value}'`);
  return window;
}

/** Label maps, organ volumes and overlays for scans, from a fine-tuned model file. */
export const segmentCommand = defineCommand({
  about: 'segment scans with a fine-tuned model (label maps on the scans\' grids, organ volumes, overlays)',
  options: {
    model: { type: 'string', required: true, help: 'fine-tuned segmentation model (.safetensors written by smit finetune)' },
    input: { type: 'strings', required: true, help: 'scans: .nii/.nii.gz files, DICOM series folders or folders of them (repeat or comma-separate)' },
    outDir: { type: 'string', required: true, help: 'output folder: <name>_seg.nii.gz, <name>_seg.json, <name>_overlay.png per scan' },
    window: {
      type: 'string',
      default: 'crop',
      help: "sliding window: 'crop' (the training crop, the official setting), 'whole' (the scan in one pass, rounded up to the network's stride of 32) or x,y,z voxels (multiples of 32); larger windows than the crop lost much Dice when measured (README)",
    },
    overlap: {
      type: 'number',
      min: 0,
      below: 1,
      default: 0.25,
      help: 'fraction of the sliding window shared by neighbours; 0.5 is the official setting, 0.25 takes 0.47× its time at the same Dice (README)',
    },
    blend: { type: 'choice', choices: ['constant', 'gaussian'], default: 'constant', help: 'window blending: constant (the official code) or gaussian' },
    swBatchSize: { type: 'integer', min: 1, default: 4, help: 'windows per forward pass' },
    tta: { type: 'boolean', help: 'mirror test-time augmentation: average the softmax over the 8 flips of the three axes (8× the time)' },
    largestComponent: { type: 'boolean', help: 'keep only the largest 26-connected component of each organ' },
    probabilities: { type: 'boolean', help: 'also write <name>_prob_<id>.nii.gz per class (on the model\'s resampled grid, cropped to the segmented region)' },
    device: { type: 'choice', choices: ['cpu', 'cuda'], default: 'cpu', help: 'where the network runs (cuda needs a CUDA build of libtorch and a GPU)' },
    precision: PRECISION_OPTION,
    overwrite: { type: 'boolean', help: 'replace outputs that exist in --out-dir' },
  },
  async run(o) {
    const window = parseWindow(o.window);
    if (!existsSync(o.model)) throw new UsageError(`--model: ${o.model}: no such file`);
    for (const input of o.input) if (!existsSync(input)) throw new UsageError(`--input: ${input}: no such file or folder`);
    const [{ segmentFolder }, T] = await Promise.all([import('../../seg/segment.js'), import('../../engine/index.js')]);
    if (o.device === 'cuda' && !T.cuda.isAvailable()) throw new UsageError('--device cuda: no CUDA device is available to libtorch (use --device cpu)');
    const results = await segmentFolder(o.input, o.outDir, o.model, {
      window,
      overlap: o.overlap,
      blend: o.blend,
      swBatchSize: o.swBatchSize,
      tta: o.tta,
      largestComponent: o.largestComponent,
      probabilities: o.probabilities,
      device: o.device,
      precision: T.resolvePrecision(o.precision, o.device),
      overwrite: o.overwrite,
    });
    for (const r of results) {
      const found = r.volumes.filter((v) => v.voxels > 0).map((v) => `${v.name} ${v.millilitres.toFixed(1)} mL`);
      process.stdout.write(`${r.labels}: ${found.length ? found.join(', ') : 'no organ found'}\n`);
    }
  },
});
