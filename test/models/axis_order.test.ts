// The network sees what the official pipeline feeds it: a NIfTI in any axis
// layout, reoriented to RAS, as [C, x, y, z]. The same file goes through our
// loader and transforms and through nibabel's as_closest_canonical + the
// PyTorch twin; same crop, same weights → same outputs.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import * as T from '../../src/engine/index.js';
import { CT_WINDOW, loadImage, scaleIntensityRange, toCanonical, transforms } from '../../src/data/index.js';
import { SmitNetwork, smitConfig } from '../../src/models/index.js';
import { FIXTURE, REPO_ROOT, requirePath, requirePython, runPython, sharedData } from '../helpers/env.js';

const CT = sharedData('totalseg-ct', 'ct_abdomen_pelvis_3mm.nii.gz');
const START = [30, 20, 24];

// Writes the CT in P-S-L layout (axes permuted and flipped), then runs the twin on its canonical crop.
const SCRIPT = `
import sys, numpy as np, nibabel as nib, torch
sys.path.insert(0, sys.argv[1])
import smit_twin as S
src, fixture, psl, out = sys.argv[2:6]
img = nib.load(src)
transform = nib.orientations.ornt_transform(nib.orientations.io_orientation(img.affine), nib.orientations.axcodes2ornt(('P', 'S', 'L')))
nib.save(img.as_reoriented(transform), psl)
canonical = nib.as_closest_canonical(nib.load(psl))
assert nib.aff2axcodes(canonical.affine) == ('R', 'A', 'S')
x0, y0, z0 = ${JSON.stringify(START)}
crop = np.asarray(canonical.dataobj, dtype=np.float32)[x0:x0 + 64, y0:y0 + 64, z0:z0 + 64]
view = torch.from_numpy(np.clip((crop + 175) / 425, 0, 1).astype(np.float32))[None, None]
weights, _ = S.load_safetensors(fixture + '/student.safetensors')
model = S.SmitStudent(S.config_tiny(fixture))
model.load_state_dict(weights, strict=True)
model.eval()
with torch.no_grad():
    cls, patch, rec, enc = model(view, torch.zeros(1, 32, 32, 32, dtype=torch.long))
S.save_safetensors(out, {'view': view.contiguous(), 'cls': cls.contiguous(), 'patch': patch.contiguous(), 'out0': enc.outs[0].contiguous()})
`;

test('a NIfTI in P-S-L layout reaches the network as the official pipeline feeds it (nibabel + twin, 1e-4)', { timeout: 120_000 }, async (t) => {
  if (!requirePath(t, CT) || !requirePath(t, FIXTURE) || !requirePython(t, ['numpy', 'nibabel', 'torch'])) return;
  const dir = mkdtempSync(join(tmpdir(), 'smit-axes-'));
  const psl = join(dir, 'ct_psl.nii.gz');
  runPython(SCRIPT, { args: [join(REPO_ROOT, 'twin'), CT, FIXTURE, psl, join(dir, 'out.safetensors')] });
  const reference = T.loadSafetensors(join(dir, 'out.safetensors')).tensors;
  const student = new SmitNetwork(smitConfig('tiny'), 'student').eval();
  student.loadStateDict(T.loadSafetensors(join(FIXTURE, 'student.safetensors')).tensors);
  const image = toCanonical(await loadImage(psl));
  T.tidy(() =>
    T.noGrad(() => {
      let volume = transforms.imageToTensor(image);
      START.forEach((s, axis) => (volume = volume.narrow(axis + 1, s, 64)));
      const view = scaleIntensityRange(volume, CT_WINDOW).unsqueeze(0).contiguous();
      assert.equal(view.sub(reference.get('view')!).abs().max().item(), 0, 'the same voxels in the same order');
      const out = student.forward(view, T.zeros([1, 32, 32, 32], { dtype: 'int64' }), { features: true });
      for (const [name, ours] of [['cls', out.cls], ['patch', out.patch], ['out0', out.features!.stages[0]]] as const) {
        const diff = ours.sub(reference.get(name)!).abs().max().item();
        assert.ok(diff < 1e-4, `${name}: max |diff| ${diff}`);
      }
    }),
  );
});
