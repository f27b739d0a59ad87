// The pre-training step trains what the official code trains: the shared
// prototype layer learns (after the first-epoch freeze) and the teacher
// follows it by EMA; defaults are the official ones.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as T from '../../src/engine/index.js';
import type { Tensor } from '../../src/engine/index.js';
import { PRETRAIN_DEFAULTS, type PretrainOptions } from '../../src/ssl/pretrain_options.js';
import { Pretrainer } from '../../src/ssl/pretrainer.js';
import { PretrainVolumes } from '../../src/ssl/pretrain_data.js';

const overrides = { embedDim: 8, heads: [2, 2, 2, 2] as [number, number, number, number], headHidden: 32, headBottleneck: 16, outDim: 64, imgSize: [32, 32, 32] as [number, number, number] };

function trainer(options: Partial<PretrainOptions> = {}): Pretrainer {
  T.manualSeed(1);
  const volumes = new PretrainVolumes([0, 1, 2].map((i) => ({ source: `random ${i}`, volume: T.rand([1, 48, 48, 48]) })));
  return new Pretrainer(
    { ...PRETRAIN_DEFAULTS, config: 'tiny', configOverrides: overrides, data: ['(memory)'], batchSize: 1, epochs: 4, warmupEpochs: 0, seed: 2, ...options },
    volumes,
  );
}

const snapshot = (t: Tensor) => T.keep(t.detach().clone());
const maxDiff = (a: Tensor, b: Tensor) => T.tidy(() => a.sub(b).abs().max().item());

test('the prototype layer is trained after the first epoch, and the teacher follows it by EMA', () => {
  const run = trainer();
  const v = run.student.headGroup.lastLayer.weightV;
  const teacherV = run.teacher.headGroup.lastLayer.weightV;
  assert.equal(run.stepsPerEpoch, 3, '⌈3 volumes / batch 1⌉ steps per epoch');
  const before = snapshot(v);
  for (let i = 0; i < run.stepsPerEpoch; i++) run.trainStep();
  assert.equal(maxDiff(v, before), 0, 'frozen during epoch 0 (freezeLastLayerEpochs 1)');
  const student0 = snapshot(v);
  const teacher0 = snapshot(teacherV);
  const m = run.trainStep().momentum;
  assert.ok(maxDiff(v, student0) > 0, 'weight_v changed by the optimizer step');
  const expected = T.tidy(() => teacher0.mul(m).add(v.mul(1 - m)));
  assert.ok(maxDiff(teacherV, expected) < 1e-7, 'teacher = m·teacher + (1 − m)·student');
  assert.ok(maxDiff(teacherV, teacher0) > 0, 'teacher prototypes moved');
  assert.equal(run.student.headGroup.lastLayer.weightG.requiresGrad, false, 'weight_g stays fixed at 1');
  const state = run.student.stateDict();
  assert.equal(state.get('head_group.last_layer2.weight_v'), state.get('head_group.last_layer.weight_v'), 'last_layer2 is last_layer');
});

test('official defaults: AdamW weight decay 0.01 on every parameter, no clipping, lr 1e-4 × batch, warm-up from 0', () => {
  const run = trainer({ warmupEpochs: 2 });
  assert.equal(run.groups.length, 1);
  assert.equal(run.groups[0].params.length, run.student.parameters().filter((p) => p.requiresGrad).length);
  assert.equal(run.optimizer.groups[0].options.weightDecay, 0.01);
  assert.equal(PRETRAIN_DEFAULTS.clipGrad, 0);
  const first = run.trainStep();
  assert.equal(first.lr, 0, 'epoch 0 starts at lr 0');
  assert.equal(first.weightDecay, 0.01);
  const iBOT = trainer({ weightDecayExempt: 'biases-and-norms', weightDecay: 0.04, weightDecayEnd: 0.4 });
  assert.deepEqual(iBOT.groups.map((g) => g.name), ['decayed', 'exempt']);
  assert.equal(iBOT.optimizer.groups[1].options.weightDecay, 0);
});

test('a step logs weighted and unweighted losses, the block-mean baseline and both branches\' diagnostics', () => {
  const m = trainer().trainStep();
  assert.ok(Math.abs(m.lossTotal - (m.lossMip + m.lossMpdWeighted + m.lossItdWeighted)) < 1e-5);
  assert.ok(Math.abs(m.lossMpdWeighted - 0.1 * m.lossMpd) < 1e-9);
  assert.ok(m.mipBlockMeanBaseline > 0 && m.mipBlockMeanBaseline < 1);
  for (const branch of [m.diagnostics.itd, m.diagnostics.mpd]) {
    assert.ok(branch.teacherEntropy >= 0 && branch.teacherEntropy <= Math.log(64) + 1e-5);
    assert.ok(branch.klTeacherStudent >= -1e-5);
    assert.ok(branch.teacherPrototypes >= 1 && branch.teacherPrototypes <= 64);
    assert.ok(branch.argmaxAgreement >= 0 && branch.argmaxAgreement <= 1);
  }
});
