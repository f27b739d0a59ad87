// The networks against the published implementation's outputs on real CT
// (shared/reference/fixture-tiny): same weights, same inputs, 1e-4 absolute.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import * as T from '../../src/engine/index.js';
import type { Tensor } from '../../src/engine/index.js';
import { smitConfig } from '../../src/models/smit/config.js';
import { SmitNetwork } from '../../src/models/smit/smit_network.js';
import { SmitSegmenter } from '../../src/models/segmenter/smit_segmenter.js';
import { distillationLosses, mipLoss } from '../../src/ssl/losses.js';
import { teacherTempCls, teacherTempPatch } from '../../src/ssl/schedules.js';
import { FIXTURE, requirePath } from '../helpers/env.js';

const config = smitConfig('tiny');

function loadFixture() {
  const io = T.loadSafetensors(join(FIXTURE, 'io.safetensors')).tensors;
  const studentWeights = T.loadSafetensors(join(FIXTURE, 'student.safetensors')).tensors;
  const get = (k: string): Tensor => {
    const t = io.get(k);
    assert.ok(t, `fixture lacks ${k}`);
    return t;
  };
  const student = new SmitNetwork(config, 'student').eval();
  student.loadStateDict(studentWeights);
  const teacher = new SmitNetwork(config, 'teacher').eval();
  teacher.loadStateDict(new Map([...studentWeights].filter(([k]) => k !== 'transformer.mask_token')));
  const assertClose = (actual: Tensor, name: string, tol = 1e-4): void => {
    const expected = get(name);
    assert.deepEqual(actual.shape, expected.shape, `${name} shape`);
    const diff = actual.sub(expected).abs().max().item();
    assert.ok(diff <= tol, `${name}: max |diff| ${diff} > ${tol}`);
  };
  return { get, assertClose, studentWeights, student, teacher };
}

let loaded: ReturnType<typeof loadFixture> | undefined;

/** The fixture, loaded on first use; undefined (the test skipped) when it is missing. */
function fixture(t: TestContext): ReturnType<typeof loadFixture> | undefined {
  if (!requirePath(t, FIXTURE)) return undefined;
  loaded ??= loadFixture();
  return loaded;
}

type Output = ReturnType<SmitNetwork['forward']>;

/** Unweighted MPD and ITD of the fixture's views: zero centres, two views, student temperature 0.1. */
function distillation(get: (k: string) => Tensor, s: Output, t: Output, teacherTemp: { cls: number; patch: number }) {
  return distillationLosses({
    studentCls: s.cls,
    studentPatch: s.patch,
    teacherCls: t.cls,
    teacherPatch: t.patch,
    tokenMask: get('token_mask'),
    centerCls: T.zeros([1, 1, config.outDim]),
    centerPatch: T.zeros([1, 1, config.outDim]),
    teacherTempCls: teacherTemp.cls,
    teacherTempPatch: teacherTemp.patch,
    studentTemp: 0.1,
    views: 2,
  });
}

test('student: stage outputs, stage-3 tokens, bottleneck, logits and reconstruction', (t) => {
  const f = fixture(t);
  if (!f) return;
  const { get, assertClose, student } = f;
  T.tidy(() =>
    T.noGrad(() => {
      const out = student.forward(get('views'), get('patch_mask'), { features: true });
      out.features!.stages.forEach((s, i) => assertClose(s, `encoder_out${i}`));
      assertClose(out.features!.merged[2].flatten(1, 3), 'encoder_stage3_tokens');
      assertClose(out.features!.merged[3].flatten(1, 3), 'encoder_bottleneck');
      assertClose(out.cls, 'student_cls');
      assertClose(out.patch, 'student_patch');
      assertClose(out.reconstruction!, 'reconstruction');
    }),
  );
});

test('teacher: global and patch logits on the unmasked views', (t) => {
  const f = fixture(t);
  if (!f) return;
  const { get, assertClose, teacher } = f;
  T.tidy(() =>
    T.noGrad(() => {
      const out = teacher.forward(get('views'), undefined, { reconstruct: false });
      assertClose(out.cls, 'teacher_cls');
      assertClose(out.patch, 'teacher_patch');
    }),
  );
});

test('segmenter: logits on the first view', (t) => {
  const f = fixture(t);
  if (!f) return;
  const { get, assertClose } = f;
  const segmenter = new SmitSegmenter(config).eval();
  segmenter.loadStateDict(T.loadSafetensors(join(FIXTURE, 'segmenter.safetensors')).tensors);
  T.tidy(() => T.noGrad(() => assertClose(segmenter.forward(get('views').narrow(0, 0, 1)), 'segmenter_logits')));
});

test('losses end to end from the weights and inputs (1e-4 relative)', (context) => {
  const f = fixture(context);
  if (!f) return;
  const { get, student, teacher } = f;
  T.tidy(() =>
    T.noGrad(() => {
      const s = student.forward(get('views'), get('patch_mask'));
      const t = teacher.forward(get('views'), undefined, { reconstruct: false });
      const mip = mipLoss(get('views'), s.reconstruction!, get('patch_mask'), config.patch).item();
      const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);
      assert.ok(rel(mip, get('loss_mip').item()) < 1e-4, `mip ${mip}`);
      for (const epoch of [0, 45]) {
        const temps = { warmup: 0.04, final: 0.07, warmupEpochs: 30 };
        const { mpd, itd } = distillation(get, s, t, { cls: teacherTempCls(epoch, temps), patch: teacherTempPatch(epoch, { ...temps, startEpoch: 30 }) });
        assert.ok(rel(mpd.item() * 0.1, get(`loss_mpd_epoch${epoch}`).item()) < 1e-4, `mpd epoch ${epoch}`);
        assert.ok(rel(itd.item() * 0.1, get(`loss_itd_epoch${epoch}`).item()) < 1e-4, `itd epoch ${epoch}`);
      }
    }),
  );
});

test('window gathers equal roll + partition and reverse + roll back', async () => {
  const { partition, reverse, windowGathers } = await import('../../src/models/swin/windows.js');
  T.tidy(() => {
    const grid: [number, number, number] = [8, 8, 4];
    const x = T.randn([2, ...grid, 3]);
    const { toWindows, fromWindows } = windowGathers(grid, [4, 4, 4], [2, 2, 2]);
    const expected = partition(x.roll([-2, -2, -2], [1, 2, 3]), [4, 4, 4]);
    const gathered = x.reshape([2, -1, 3]).permuteRows(toWindows.index, toWindows.inverse).view(expected.shape);
    assert.equal(gathered.sub(expected).abs().max().item(), 0);
    const back = reverse(expected, [4, 4, 4], 2, grid).roll([2, 2, 2], [1, 2, 3]);
    const viaGather = expected.reshape([2, -1, 3]).permuteRows(fromWindows.index, fromWindows.inverse).view(back.shape);
    assert.equal(viaGather.sub(back).abs().max().item(), 0);
  });
});

test('gradients of the epoch-0 loss equal the official code for every trained student parameter', (context) => {
  const f = fixture(context);
  if (!f) return;
  const { get, studentWeights, teacher } = f;
  const grads = T.loadSafetensors(join(FIXTURE, 'grads.safetensors')).tensors;
  const trained = new SmitNetwork(config, 'student').eval();
  trained.loadStateDict(studentWeights);
  T.tidy(() => {
    const s = trained.forward(get('views'), get('patch_mask'));
    const t = T.noGrad(() => teacher.forward(get('views'), undefined, { reconstruct: false }));
    const mip = mipLoss(get('views'), s.reconstruction!, get('patch_mask'), config.patch);
    const { mpd, itd } = distillation(get, s, t, { cls: 0.04, patch: 0.04 });
    const total = mip.add(mpd.mul(0.1)).add(itd.mul(0.1));
    const expectedTotal = grads.get('loss_total_epoch0')!.item();
    assert.ok(Math.abs(total.item() - expectedTotal) <= 1e-4 * Math.abs(expectedTotal), `total ${total.item()} vs ${expectedTotal}`);
    total.backward();
  });
  // The fixture lists the parameters the loss reaches; the stage norms (norm0..3) feed only the segmenter.
  const expectedNames = new Set([...grads.keys()].filter((k) => k.startsWith('grad.')).map((k) => k.slice('grad.'.length)));
  const own = new Map(trained.namedParameters());
  assert.deepEqual([...expectedNames].filter((k) => !own.get(k)?.requiresGrad), [], 'every official trained parameter is trained here');
  const worst: string[] = [];
  for (const [name, p] of own) {
    const g = p.grad;
    if (!expectedNames.has(name)) {
      if (g !== undefined && T.tidy(() => g.abs().max().item()) !== 0) worst.push(`${name}: gradient where the official code has none`);
      continue;
    }
    assert.ok(g, `${name} has no gradient`);
    const expected = grads.get(`grad.${name}`)!;
    const err = T.tidy(() => g.sub(expected).norm().item() / Math.max(expected.norm().item(), 1e-12));
    if (!(err <= 1e-4)) worst.push(`${name}: relative error ${err.toExponential(2)}`);
  }
  assert.deepEqual(worst, []);
  trained.dispose();
  T.dispose([...grads.values()]);
});
