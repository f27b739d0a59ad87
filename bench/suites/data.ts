// Data suite: preprocessing of real volumes (load, reorient to RAS, resample
// to 1.5×1.5×2 mm, normalise) against nibabel + scipy.ndimage
// (bench/baselines/data.py) on the same files.
import * as T from '../../src/engine/index.js';
import { CT_WINDOW, loadImage, scaleIntensityRange, toCanonical, zScoreNormalize } from '../../src/data/index.js';
import { imageToTensor, resampleToSpacing } from '../../src/data/transforms/index.js';
import { defineSuite, defineWorkload } from '../harness/workload.js';
import { CHAOS_CASE_IDS, sharedData } from '../../test/helpers/env.js';

const CT = sharedData('totalseg-ct', 'ct_abdomen_pelvis_3mm.nii.gz');
const MRIS = CHAOS_CASE_IDS.map((id) => sharedData('chaos-mr-t2', `image_${id}.nii.gz`));
const TARGET: [number, number, number] = [1.5, 1.5, 2]; // x, y, z (mm)

async function preprocess(path: string, kind: 'ct' | 'mri'): Promise<void> {
  const image = toCanonical(await loadImage(path, { dtype: 'float32' }));
  T.tidy(() => {
    const resampled = resampleToSpacing(imageToTensor(image), image.spacing, TARGET, 'trilinear');
    const out = kind === 'ct' ? scaleIntensityRange(resampled, CT_WINDOW) : zScoreNormalize(resampled);
    out.sum().item();
  });
}

const ct = defineWorkload({
  name: 'ct_preprocess',
  description: 'CT 122×101×112 @3 mm: load .nii.gz, to RAS, trilinear to 1.5×1.5×2 mm, HU window → [0,1]',
  iterations: 5,
  warmup: 1,
  setup: () => CT,
  run: (path) => preprocess(path, 'ct'),
  baseline: { script: 'data.py', fn: 'ct_preprocess' },
});

const mri = defineWorkload({
  name: 'mri15_preprocess',
  description: '15 CHAOS T2 MRIs 256×256×(31–46) @1.25×1.25×7.7 mm: load, to RAS, trilinear to 1.5×1.5×2 mm, z-score',
  iterations: 3,
  warmup: 1,
  setup: () => MRIS,
  run: async (paths) => {
    for (const p of paths) await preprocess(p, 'mri');
  },
  baseline: { script: 'data.py', fn: 'mri15_preprocess' },
});

export default defineSuite({
  name: 'data',
  description: 'preprocessing of the shared real volumes versus nibabel + scipy.ndimage',
  workloads: [ct, mri],
  rounds: 3,
});
