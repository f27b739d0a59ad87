import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as T from '../../src/engine/index.js';
import { DropPath, Dropout } from '../../src/nn/index.js';
import { checkNoLeaks } from '../helpers/leak_check.js';

const scoped = checkNoLeaks();

describe('DropPath', () => {
  test('zeroes whole samples and scales the kept ones by 1 / (1 − p)', scoped(() => {
    T.manualSeed(3);
    const x = T.rand([400, 3, 2]).add(1);
    const y = new DropPath(0.25).forward(x);
    const ratio = y.div(x);
    const perSample = ratio.flatten(1);
    // Every element of a sample shares its fate: all 0 or all 1 / 0.75.
    assert.ok(perSample.amax(1).sub(perSample.amin(1)).abs().max().item() < 1e-6, 'one decision per sample');
    const kept = perSample.select(1, 0);
    assert.ok(kept.eq(0).logicalOr(kept.sub(1 / 0.75).abs().lt(1e-5)).all().item(), 'kept samples are scaled by 1 / (1 − p)');
    const dropped = kept.eq(0).sum().item() / 400;
    assert.ok(Math.abs(dropped - 0.25) < 0.07, `dropped ${dropped} of the samples, p = 0.25`);
  }));

  test('is the identity in eval mode and with p = 0', scoped(() => {
    const x = T.randn([8, 5]);
    assert.equal(new DropPath(0.5).eval().forward(x), x);
    assert.equal(new DropPath(0).forward(x), x);
  }));

  test('keeps the expectation: the mean over many draws is the input', scoped(() => {
    T.manualSeed(4);
    const x = T.ones([20000, 1]);
    assert.ok(Math.abs(new DropPath(0.3).forward(x).mean().item() - 1) < 0.03);
  }));
});

describe('Dropout', () => {
  test('zeroes elements independently with probability p and scales the rest', scoped(() => {
    T.manualSeed(5);
    const x = T.ones([100, 100]);
    const y = new Dropout(0.4).forward(x);
    const zeros = y.eq(0).sum().item() / 10_000;
    assert.ok(Math.abs(zeros - 0.4) < 0.03, `zeroed ${zeros}`);
    assert.ok(y.eq(0).logicalOr(y.sub(1 / 0.6).abs().lt(1e-5)).all().item());
    const perRow = y.eq(0).sum([1]);
    assert.ok(perRow.amax().item() > perRow.amin().item(), 'elements, not rows, are dropped');
  }));

  test('is the identity in eval mode and with p = 0', scoped(() => {
    const x = T.randn([4, 4]);
    assert.equal(new Dropout(0.5).eval().forward(x), x);
    assert.equal(new Dropout(0).forward(x), x);
  }));
});
