import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import * as T from '../../src/engine/index.js';
import { loadPretrainedBackbone, readModelConfig, saveModel, loadModel } from '../../src/models/checkpoints.js';
import { smitConfig } from '../../src/models/smit/config.js';
import { SmitSegmenter } from '../../src/models/segmenter/smit_segmenter.js';
import { SmitNetwork } from '../../src/models/smit/smit_network.js';
import { FIXTURE, PYTHON } from '../helpers/shared.js';

const config = smitConfig('tiny');
const dir = mkdtempSync(join(tmpdir(), 'smit-backbone-'));

// Writes the fixture student as an official-style checkpoint: {"student": {"module.<key>": tensor}, "epoch": 7}.
const WRITE_PT = `
import json, struct, sys, torch, numpy as np
src, dst = sys.argv[1], sys.argv[2]
b = open(src, 'rb').read(); n = struct.unpack('<Q', b[:8])[0]; h = json.loads(b[8:8 + n])
sd = {}
for k, v in h.items():
    if k == '__metadata__': continue
    s, e = v['data_offsets']
    sd['module.' + k] = torch.from_numpy(np.frombuffer(b[8 + n + s:8 + n + e], dtype={'F32': np.float32, 'I64': np.int64}[v['dtype']]).reshape(v['shape']).copy())
torch.save({'student': sd, 'epoch': 7}, dst)
`;

test('an official .pt checkpoint (student., module. prefixes) loads into the segmenter encoder', (t) => {
  if (!existsSync(PYTHON)) return t.skip(`skipped: ${PYTHON} is missing`);
  const pt = join(dir, 'official.pt');
  try {
    execFileSync(PYTHON, ['-c', WRITE_PT, join(FIXTURE, 'student.safetensors'), pt], { stdio: 'pipe' });
  } catch (error) {
    return t.skip(`skipped: ${PYTHON} cannot write a torch checkpoint (${(error as Error).message.split('\n')[0]})`);
  }
  const segmenter = new SmitSegmenter(config);
  const report = loadPretrainedBackbone(segmenter, pt, { from: 'student' });
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
