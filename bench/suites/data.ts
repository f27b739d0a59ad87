// Data suite: preprocessing of real volumes (load, reorient to RAS, resample
// to 1.5×1.5×2 mm, normalise) on the same files against nibabel +
// scipy.ndimage, and against the torch twin of the official (MONAI) pipeline
// (bench/baselines/data.py): our side is the same in both pairs.
import * as T from '../../src/engine/index.js';
import { CT_WINDOW, loadImage, scaleIntensityRange_, zScoreNormalize_ } from '../../src/data/index.js';
import { canonicalTensor, resampleToSpacing } from '../../src/data/transforms/index.js';
import { type Workload, defineSuite, defineWorkload } from '../harness/workload.js';
import { CHAOS_CASE_IDS, sharedData } from '../../test/helpers/env.js';

const CT = sharedData('totalseg-ct', 'ct_abdomen_pelvis_3mm.nii.gz');
const MRIS = CHAOS_CASE_IDS.map((id) => sharedData('chaos-mr-t2', `image_${id}.nii.gz`));
const TARGET: [number, number, number] = [1.5, 1.5, 2]; // x, y, z (mm)

async function preprocess(path: string, kind: 'ct' | 'mri'): Promise<void> {
  const image = await loadImage(path, { dtype: 'float32' });
  T.tidy(() => {
    const ras = canonicalTensor(image);
    const resampled = resampleToSpacing(ras.volume, ras.spacing, TARGET, 'trilinear');
    const out = kind === 'ct' ? scaleIntensityRange_(resampled, CT_WINDOW) : zScoreNormalize_(resampled);
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

/** The same workload of ours, measured against the torch twin `fn`. */
function againstTorchTwin<S>(workload: Workload<S>, fn: string): Workload<S> {
  return { ...workload, name: `${workload.name}_torch`, description: `${workload.description}; baseline nibabel + torch`, baseline: { script: 'data.py', fn } };
}

export default defineSuite({
  name: 'data',
  description: 'preprocessing of the shared real volumes versus nibabel + scipy.ndimage and versus nibabel + torch',
  workloads: [ct, mri, againstTorchTwin(ct, 'ct_preprocess_torch'), againstTorchTwin(mri, 'mri15_preprocess_torch')],
  rounds: 3,
});
