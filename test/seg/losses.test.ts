import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as T from '../../src/engine/index.js';
import { DiceCELoss, type DiceCEOptions, diceCELoss } from '../../src/seg/losses/index.js';
import { checkNoLeaks } from '../helpers/leak_check.js';
import { requirePython, runPythonJson } from '../helpers/env.js';

const scoped = checkNoLeaks();

// The formula of MONAI's DiceCELoss(to_onehot_y=True, softmax=True,
// squared_pred=True, batch=False), written out in torch.
const TORCH_DICE_CE = `
import json, sys
import torch
import torch.nn.functional as F

out = []
for case in json.load(sys.stdin):
    dtype = torch.float64 if case['dtype'] == 'float64' else torch.float32
    shape = case['shape']
    logits = torch.tensor(case['logits'], dtype=torch.float64).to(dtype).reshape(shape).requires_grad_()
    labels = torch.tensor(case['labels'], dtype=torch.int64).reshape([shape[0], 1] + shape[2:])
    o = case['options']
    p = torch.softmax(logits, 1)
    g = F.one_hot(labels[:, 0], shape[1]).movedim(-1, 1).to(dtype)
    dims = list(range(2, len(shape)))
    intersection = (p * g).sum(dims)
    denominator = (g ** 2).sum(dims) + (p ** 2).sum(dims)
    dice = (1 - (2 * intersection + o['smoothNr']) / (denominator + o['smoothDr'])).mean()
    ce = F.cross_entropy(logits, labels[:, 0])
    loss = o['lambdaDice'] * dice + o['lambdaCe'] * ce
    loss.backward()
    out.append({'loss': loss.item(), 'dice': dice.item(), 'ce': ce.item(), 'grad': logits.grad.double().flatten().tolist()})
print(json.dumps(out))
`;

interface Case {
  dtype: 'float32' | 'float64';
  shape: number[];
  logits: number[];
  labels: number[];
  options: Required<DiceCEOptions>;
}

const DEFAULTS: Required<DiceCEOptions> = { lambdaDice: 1, lambdaCe: 1, smoothNr: 0, smoothDr: 1e-6 };

function makeCase(seed: number, dtype: Case['dtype'], shape: number[], presentClasses: number, options = DEFAULTS): Case {
  T.manualSeed(seed);
  return T.tidy(() => {
    const logits = T.randn(shape, { dtype: 'float64' }).mul(3);
    const labels = T.randint(0, presentClasses, [shape[0], 1, ...shape.slice(2)]);
    return { dtype, shape, logits: logits.toArray(), labels: labels.toArray(), options };
  });
}

test('DiceCE loss, its terms and d loss / d logits equal torch on the formula (1e-5)', (t) => {
  if (!requirePython(t, ['torch'])) return;
  const cases: Case[] = [
    makeCase(1, 'float64', [2, 3, 4, 5, 3], 3),
    makeCase(2, 'float32', [1, 4, 6, 4, 5], 3), // class 3 absent from the labels
    makeCase(3, 'float32', [2, 2, 3, 3, 3], 2, { lambdaDice: 0.7, lambdaCe: 0.3, smoothNr: 1e-5, smoothDr: 1e-5 }),
    makeCase(4, 'float64', [3, 5, 2, 3, 4], 1), // every voxel background
  ];
  const reference = runPythonJson<{ loss: number; dice: number; ce: number; grad: number[] }[]>(TORCH_DICE_CE, cases);
  let worst = 0;
  cases.forEach((c, i) => {
    T.tidy(() => {
      const logits = T.tensor(Float64Array.from(c.logits), { shape: c.shape, dtype: c.dtype }).requiresGrad_();
      const labels = T.tensor(Int32Array.from(c.labels), { shape: [c.shape[0], 1, ...c.shape.slice(2)] }).to('uint8');
      const { loss, dice, ce } = diceCELoss(logits, labels, c.options);
      loss.backward();
      const grad = logits.grad!.toArray();
      const expected = reference[i];
      const terms = [['loss', loss.item(), expected.loss], ['dice', dice.item(), expected.dice], ['ce', ce.item(), expected.ce]] as const;
      for (const [name, value, want] of terms) {
        assert.ok(Math.abs(value - want) <= 1e-5, `case ${i} ${name}: ${value} vs ${want}`);
        worst = Math.max(worst, Math.abs(value - want));
      }
      assert.equal(grad.length, expected.grad.length);
      grad.forEach((g, j) => {
        assert.ok(Math.abs(g - expected.grad[j]) <= 1e-5, `case ${i} grad ${j}: ${g} vs ${expected.grad[j]}`);
        worst = Math.max(worst, Math.abs(g - expected.grad[j]));
      });
    });
  });
  t.diagnostic(`worst |difference| ${worst.toExponential(2)}`);
});

test('a perfect confident prediction has a loss near 0; labels may come without the channel axis', scoped(() => {
  const labels = T.randint(0, 3, [2, 1, 4, 4, 4]);
  const logits = T.oneHot(labels.squeeze(1), 3).permute([0, 4, 1, 2, 3]).to('float32').mul(40);
  const { loss, dice, ce } = new DiceCELoss().forward(logits, labels);
  assert.ok(loss.item() < 1e-6 && dice.item() < 1e-6 && ce.item() < 1e-6, `${loss.item()}`);
  assert.equal(diceCELoss(logits, labels.squeeze(1)).loss.item(), loss.item());
}));

test('labels that do not fit the logits are refused with a message', scoped(() => {
  const logits = T.zeros([1, 3, 2, 2, 2]);
  assert.throws(() => diceCELoss(logits, T.full([1, 1, 2, 2, 2], 3, { dtype: 'int64' })), /class ids in \[0, 3\)/);
  assert.throws(() => diceCELoss(logits, T.zeros([1, 1, 2, 2, 3], { dtype: 'int64' })), /do not fit/);
  assert.throws(() => diceCELoss(logits, T.zeros([1, 1, 2, 2, 2])), /integer class ids/);
}));
