import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as T from '../../src/engine/index.js';
import { Linear, Module } from '../../src/nn/index.js';
import { emaUpdate } from '../../src/ssl/ema.js';
import { emaMomentum, teacherTempCls, teacherTempPatch } from '../../src/ssl/schedules.js';

const temps = { warmup: 0.04, final: 0.07, warmupEpochs: 30 };

test('ITD teacher temperature: linspace(0.04, 0.07, 30) then 0.07', () => {
  assert.equal(teacherTempCls(0, temps), 0.04);
  assert.ok(Math.abs(teacherTempCls(29, temps) - 0.07) < 1e-12);
  assert.ok(Math.abs(teacherTempCls(10, temps) - (0.04 + (0.03 * 10) / 29)) < 1e-12);
  assert.equal(teacherTempCls(45, temps), 0.07);
});

test('MPD teacher temperature: 0.04 for 30 epochs, then linspace over 30, then 0.07', () => {
  const o = { ...temps, startEpoch: 30 };
  assert.equal(teacherTempPatch(0, o), 0.04);
  assert.equal(teacherTempPatch(29, o), 0.04);
  assert.equal(teacherTempPatch(30, o), 0.04);
  assert.ok(Math.abs(teacherTempPatch(45, o) - (0.04 + (0.03 * 15) / 29)) < 1e-12);
  assert.ok(Math.abs(teacherTempPatch(59, o) - 0.07) < 1e-12);
  assert.equal(teacherTempPatch(80, o), 0.07);
});

test('EMA momentum: cosine from 0.996 to 1 over global steps', () => {
  assert.ok(Math.abs(emaMomentum(0, 1000, 0.996) - 0.996) < 1e-12);
  assert.ok(Math.abs(emaMomentum(500, 1000, 0.996) - 0.998) < 1e-12);
  assert.ok(Math.abs(emaMomentum(1000, 1000, 0.996) - 1) < 1e-12);
  assert.ok(emaMomentum(250, 1000, 0.996) < emaMomentum(750, 1000, 0.996));
});

class Tiny extends Module {
  readonly fc = this.module('fc', new Linear(3, 2));
}

test('EMA update: teacher ← m·teacher + (1−m)·student for every shared parameter', () => {
  const student = new Tiny();
  const teacher = new Tiny();
  const before = teacher.fc.weight.clone();
  emaUpdate(teacher, student, 0.9);
  const expected = before.mul(0.9).add(student.fc.weight.mul(0.1));
  assert.ok(teacher.fc.weight.sub(expected).abs().max().item() < 1e-7);
  emaUpdate(teacher, student, 1);
  assert.ok(teacher.fc.weight.sub(expected).abs().max().item() < 1e-7, 'momentum 1 leaves the teacher unchanged');
  assert.equal(T.isGradEnabled(), true);
});
