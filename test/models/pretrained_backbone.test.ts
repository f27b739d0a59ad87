import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import * as T from '../../src/engine/index.js';
import { loadPretrainedBackbone, readModelConfig, saveModel, loadModel } from '../../src/models/checkpoints.js';
import { smitConfig } from '../../src/models/smit/config.js';
import { SmitSegmenter } from '../../src/models/segmenter/smit_segmenter.js';
import { SmitNetwork } from '../../src/models/smit/smit_network.js';
import { FIXTURE, requirePath, requirePython, runPython } from '../helpers/env.js';

const config = smitConfig('tiny');
const dir = mkdtempSync(join(tmpdir(), 'smit-backbone-'));

// Writes the fixture student's encoder exactly as the official pre-training
// saves it: torch.save({'epoch', 'state_dict': model_S.transformer.state_dict(),
// 'optimizer': optimizer.state_dict()}), here behind DataParallel's `module.`.
const WRITE_PT = `
import json, struct, sys, torch, numpy as np
src, dst = sys.argv[1], sys.argv[2]
b = open(src, 'rb').read(); n = struct.unpack('<Q', b[:8])[0]; h = json.loads(b[8:8 + n])
encoder = {}
for k, v in h.items():
    if k == '__metadata__' or not k.startswith('transformer.'): continue
    s, e = v['data_offsets']
    t = torch.from_numpy(np.frombuffer(b[8 + n + s:8 + n + e], dtype={'F32': np.float32, 'I64': np.int64}[v['dtype']]).reshape(v['shape']).copy())
    encoder['module.' + k[len('transformer.'):]] = t
params = [torch.nn.Parameter(t.clone()) for t in encoder.values() if t.is_floating_point()]
optimizer = torch.optim.AdamW(params, lr=1e-4)
for p in params: p.grad = torch.ones_like(p)
optimizer.step()
torch.save({'epoch': 7, 'state_dict': encoder, 'optimizer': optimizer.state_dict()}, dst)
`;

test('an official pre-training checkpoint (state_dict of the encoder, module. prefixes, optimizer) loads into the segmenter', (t) => {
  if (!requirePath(t, FIXTURE) || !requirePython(t, ['torch', 'numpy'])) return;
  const pt = join(dir, 'official.pt');
  runPython(WRITE_PT, { args: [join(FIXTURE, 'student.safetensors'), pt] });
  const segmenter = new SmitSegmenter(config);
  const report = loadPretrainedBackbone(segmenter, pt);
  assert.ok(report.loaded.length > 100, `loaded ${report.loaded.length} keys`);
  assert.ok(report.loaded.every((k) => k.startsWith('transformer.')));
  assert.ok(report.missing.every((k) => !k.startsWith('transformer.')), 'every encoder key was filled');
  const reference = T.loadSafetensors(join(FIXTURE, 'student.safetensors')).tensors;
  for (const [key, value] of segmenter.stateDict()) {
    if (!key.startsWith('transformer.')) continue;
    assert.equal(value.sub(reference.get(key)!).abs().max().item(), 0, key);
  }
});

test('a backbone that does not fit is refused with the mismatched keys named', () => {
  const student = new SmitNetwork(config, 'student');
  const path = join(dir, 'small-encoder.safetensors');
  const small = new SmitNetwork(smitConfig('tiny', { embedDim: 24 }), 'teacher');
  saveModel(path, small, small.config);
  assert.throws(() => loadPretrainedBackbone(student, path), /does not fit this model: shape mismatches: transformer\./);
});

test('saveModel/loadModel round-trip weights and configuration', () => {
  const a = new SmitNetwork(config, 'teacher');
  const path = join(dir, 'teacher.safetensors');
  saveModel(path, a, config);
  assert.deepEqual(readModelConfig(path), config);
  const b = new SmitNetwork(config, 'teacher');
  loadModel(path, b);
  for (const [key, value] of a.stateDict()) assert.equal(value.sub(b.stateDict().get(key)!).abs().max().item(), 0, key);
});
