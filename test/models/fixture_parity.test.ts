// The networks against the published implementation's outputs on real CT
// (shared/reference/fixture-tiny): same weights, same inputs, 1e-4 absolute.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import * as T from '../../src/engine/index.js';
import type { Tensor } from '../../src/engine/index.js';
import { smitConfig } from '../../src/models/smit/config.js';
import { SmitNetwork } from '../../src/models/smit/smit_network.js';
import { SmitSegmenter } from '../../src/models/segmenter/smit_segmenter.js';
import { distillationLosses, mipLoss } from '../../src/ssl/losses.js';
import { teacherTempCls, teacherTempPatch } from '../../src/ssl/schedules.js';
import { FIXTURE } from '../helpers/shared.js';

const io = T.loadSafetensors(join(FIXTURE, 'io.safetensors')).tensors;
const studentWeights = T.loadSafetensors(join(FIXTURE, 'student.safetensors')).tensors;
const segmenterWeights = T.loadSafetensors(join(FIXTURE, 'segmenter.safetensors')).tensors;
const config = smitConfig('tiny');
const get = (k: string): Tensor => {
  const t = io.get(k);
  assert.ok(t, `fixture lacks ${k}`);
  return t;
};

function assertClose(actual: Tensor, name: string, tol = 1e-4): void {
  const expected = get(name);
  assert.deepEqual(actual.shape, expected.shape, `${name} shape`);
  const diff = actual.sub(expected).abs().max().item();
  assert.ok(diff <= tol, `${name}: max |diff| ${diff} > ${tol}`);
}

const student = new SmitNetwork(config, 'student').eval();
student.loadStateDict(studentWeights);
const teacher = new SmitNetwork(config, 'teacher').eval();
teacher.loadStateDict(new Map([...studentWeights].filter(([k]) => k !== 'transformer.mask_token')));

test('student: stage outputs, stage-3 tokens, bottleneck, logits and reconstruction', () => {
  T.tidy(() =>
    T.noGrad(() => {
      const out = student.forward(get('views'), get('patch_mask'));
      out.features.stages.forEach((s, i) => assertClose(s, `encoder_out${i}`));
      assertClose(out.features.merged[2].flatten(1, 3), 'encoder_stage3_tokens');
      assertClose(out.features.merged[3].flatten(1, 3), 'encoder_bottleneck');
      assertClose(out.cls, 'student_cls');
      assertClose(out.patch, 'student_patch');
      assertClose(out.reconstruction!, 'reconstruction');
    }),
  );
});

test('teacher: global and patch logits on the unmasked views', () => {
  T.tidy(() =>
    T.noGrad(() => {
      const out = teacher.forward(get('views'), undefined, { reconstruct: false });
      assertClose(out.cls, 'teacher_cls');
      assertClose(out.patch, 'teacher_patch');
    }),
  );
});

test('segmenter: logits on the first view', () => {
  const segmenter = new SmitSegmenter(config).eval();
  segmenter.loadStateDict(segmenterWeights);
  T.tidy(() => T.noGrad(() => assertClose(segmenter.forward(get('views').narrow(0, 0, 1)), 'segmenter_logits')));
});

test('losses end to end from the weights and inputs (1e-4 relative)', () => {
  T.tidy(() =>
    T.noGrad(() => {
      const s = student.forward(get('views'), get('patch_mask'));
      const t = teacher.forward(get('views'), undefined, { reconstruct: false });
      const mip = mipLoss(get('views'), s.reconstruction!, get('patch_mask'), config.patch).item();
      const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);
      assert.ok(rel(mip, get('loss_mip').item()) < 1e-4, `mip ${mip}`);
      for (const epoch of [0, 45]) {
        const temps = { warmup: 0.04, final: 0.07, warmupEpochs: 30 };
        const { mpd, itd } = distillationLosses({
          studentCls: s.cls,
          studentPatch: s.patch,
          teacherCls: t.cls,
          teacherPatch: t.patch,
          tokenMask: get('token_mask'),
          centerCls: T.zeros([1, 1, config.outDim]),
          centerPatch: T.zeros([1, 1, config.outDim]),
          teacherTempCls: teacherTempCls(epoch, temps),
          teacherTempPatch: teacherTempPatch(epoch, { ...temps, startEpoch: 30 }),
          studentTemp: 0.1,
          views: 2,
        });
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
