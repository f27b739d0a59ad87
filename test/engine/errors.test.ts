// Bad input raises JavaScript errors carrying libtorch's message; nothing aborts the process.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';

import * as T from '../../src/engine/index.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const loose = T as any;

let live = 0;
beforeEach(() => {
  live = T.liveTensors();
});
afterEach(() => {
  assert.equal(T.liveTensors(), live, 'a failed op leaked tensors');
});
const scoped = (fn: () => void) => () => T.tidy(fn);

/** Asserts fn throws an Error (of `type`) whose message starts with `op: ` and matches `pattern`. */
function throwsFrom(op: string, fn: () => unknown, pattern: RegExp, type: ErrorConstructor = Error): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof type, `expected a ${type.name}, got ${String(e)}`);
    const message = (e as Error).message;
    assert.ok(message.startsWith(`${op}: `), `message names the op '${op}': ${message}`);
    assert.match(message, pattern);
    return true;
  });
}

describe('errors from libtorch', () => {
  test('shape errors', scoped(() => {
    throwsFrom('matmul', () => T.matmul(T.ones([2, 3]), T.ones([2, 3])), /mat1 and mat2 shapes cannot be multiplied \(2x3 and 2x3\)/);
    throwsFrom('bmm', () => T.bmm(T.ones([2, 3]), T.ones([3, 2])), /batch1 must be a 3D tensor/);
    throwsFrom('linear', () => T.linear(T.ones([2, 3]), T.ones([4, 5])), /cannot be multiplied/);
    throwsFrom('reshape', () => T.ones([2, 3]).reshape([4]), /shape '\[4\]' is invalid for input of size 6/);
    throwsFrom('view', () => T.ones([2, 3]).transpose(0, 1).view([6]), /view size is not compatible with input tensor's size and stride/);
    throwsFrom('cat', () => T.cat([T.ones([2, 2]), T.ones([2, 3])]), /Sizes of tensors must match/);
    throwsFrom('stack', () => T.stack([T.ones([2]), T.ones([3])]), /stack expects each tensor to be equal size/);
    throwsFrom('expand', () => T.ones([2]).expand([3]), /expanded size of the tensor \(3\) must match the existing size \(2\)/);
    throwsFrom('layerNorm', () => T.layerNorm(T.ones([2, 3]), [4]), /normalized_shape/);
    throwsFrom('groupNorm', () => T.groupNorm(T.ones([2, 3, 4]), 2), /divisible by num_groups/);
    throwsFrom('sum', () => T.ones([2]).sum([5]), /Dimension out of range/);
  }));

  test('convolution and pooling input errors', scoped(() => {
    // A 4-D input is an unbatched [C, D, H, W] volume for libtorch; here the channels do not match.
    throwsFrom('conv3d', () => T.conv3d(T.ones([1, 2, 3, 3]), T.ones([1, 2, 1, 1, 1])), /expected input\[1, 1, 2, 3, 3\] to have 2 channels, but got 1 channels/);
    throwsFrom('conv3d', () => T.conv3d(T.ones([2, 3, 3]), T.ones([1, 2, 1, 1, 1])), /Expected 4D \(unbatched\) or 5D \(batched\) input to conv3d/);
    throwsFrom('conv3d', () => T.conv3d(T.ones([1, 2, 3, 3, 3]), T.ones([1, 2, 5, 5, 5])), /Kernel size can't be greater than actual input size/);
    throwsFrom('conv3d', () => T.conv3d(T.ones([1, 2, 3, 3, 3]), T.ones([1, 2, 1, 1, 1]), null, { groups: 0 }), /non-positive groups is not supported/);
    throwsFrom('conv3d', () => T.conv3d(T.ones([1, 2, 3, 3, 3]), T.ones([1, 2, 1, 1, 1]), null, { stride: 0 }), /non-positive stride/);
    throwsFrom('maxPool3d', () => T.maxPool3d(T.ones([1, 1, 3, 3, 3]), 2, { padding: 2 }), /pad should be at most half of kernel size/);
    throwsFrom('avgPool3d', () => T.avgPool3d(T.ones([1, 1, 3, 3, 3]), 2, { stride: 0 }), /stride should not be zero/);
  }));

  test('index errors', scoped(() => {
    throwsFrom('indexSelect', () => T.indexSelect(T.ones([3]), 0, T.tensor([5])), /index out of range in self/);
    throwsFrom('gather', () => T.gather(T.ones([3]), 0, T.tensor([5])), /index 5 is out of bounds for dimension 0 with size 3/);
    throwsFrom('gather', () => T.gather(T.ones([3, 3]), 0, T.tensor([1])), /same number of dimensions/);
    throwsFrom('scatter', () => T.scatter(T.zeros([3]), 0, T.tensor([7]), 1), /index 7 is out of bounds/);
    throwsFrom('index', () => T.index(T.zeros([3]), [T.tensor([9])]), /index 9 is out of bounds for dimension 0 with size 3/);
    throwsFrom('indexPut_', () => T.zeros([3]).indexPut_([T.tensor([9])], T.ones([1])), /out of bounds/);
    throwsFrom('select', () => T.ones([6]).select(0, 9), /index 9 out of range/);
    throwsFrom('narrow', () => T.ones([6]).narrow(0, 5, 4), /exceeds dimension size/);
    throwsFrom('crossEntropy', () => T.crossEntropy(T.zeros([2, 3]), T.tensor([0, 7])), /Target 7 is out of bounds/);
    throwsFrom('oneHot', () => T.oneHot(T.tensor([5]), 3), /Class values must be smaller than num_classes/);
    throwsFrom('where', () => T.where(T.ones([2]), 1, 0), /condition to be a boolean tensor/);
  }));

  test('value errors', scoped(() => {
    throwsFrom('item', () => T.ones([2]).item(), /a Tensor with 2 elements cannot be converted to Scalar/);
    throwsFrom('arange', () => T.arange(0, 4, 0), /step must be nonzero/);
    throwsFrom('randint', () => T.randint(5, 1, [2]), /expects 'from' to be less than 'to'/);
    throwsFrom('randperm', () => T.randperm(-1), /negative dimension/);
    throwsFrom('zeros', () => T.zeros([-2]), /negative dimension/);
    throwsFrom('chunk', () => T.chunk(T.ones([2]), 0), /chunk expects `chunks` to be greater than 0/);
    throwsFrom('dropout', () => T.dropout(T.ones([3]), 2), /dropout probability has to be between 0 and 1/);
    throwsFrom('quantile', () => T.quantile(T.ones([3]), 2), /q must be in the range \[0, 1\]/);
    throwsFrom('normal_', () => T.ones([3]).normal_(0, -1), /std >= 0.0/);
    throwsFrom('slice', () => T.ones([4]).slice(0, 0, 4, 0), /slice step must be positive/);
    throwsFrom('pad', () => T.pad(T.ones([1, 1, 4]), [5, 5], 'reflect'), /Padding size should be less than the corresponding input dimension/);
    throwsFrom('normalize', () => T.normalize(T.tensor([[1, 2]])), /floating point/);
    throwsFrom('pixelShuffle3d', () => T.pixelShuffle3d(T.ones([1, 8, 1, 1, 1]), 0), /factor must be positive/);
    throwsFrom('pixelShuffle3d', () => T.pixelShuffle3d(T.ones([1, 9, 1, 1, 1]), 2), /not divisible/);
    throwsFrom('interpolate', () => T.interpolate(T.ones([1, 1, 2, 2, 2]), { size: [4, 4] }), /size must have 1 or 3 entries, got 2/);
    throwsFrom('interpolate', () => T.interpolate(T.ones([1, 1, 2, 2, 2]), { scaleFactor: [2, 2] }), /scaleFactor must have 1 or 3 entries/);
    throwsFrom('interpolate', () => T.interpolate(T.ones([1, 1, 2, 2, 2])), /exactly one of size or scaleFactor/);
    throwsFrom('interpolate', () => T.interpolate(T.ones([1, 2, 2]), { size: 2 }), /expects a 5-D tensor/);
    throwsFrom('lerp', () => T.lerp(T.ones([2]), T.ones([2], { dtype: 'float64' }), 0.5), /expected dtype/);
  }));

  test('autograd errors', scoped(() => {
    throwsFrom('backward', () => T.ones([2]).sum().backward(), /does not require grad and does not have a grad_fn/);
    throwsFrom('add_', () => T.ones([2]).requiresGrad_().add_(1), /a leaf Variable that requires grad is being used in an in-place operation/);
    throwsFrom('requiresGrad_', () => T.tensor([1]).requiresGrad_(), /Only Tensors of floating point/);
  }));

  test('non-finite values are values, not errors, and can be detected', scoped(() => {
    const t = T.tensor([-1, 0, 1], { dtype: 'float32' });
    const logs = t.log();
    assert.deepEqual(logs.isnan().toArray(), [1, 0, 0]);
    assert.deepEqual(logs.isfinite().toArray(), [0, 0, 1]);
    assert.equal(t.div(0).isfinite().any().item(), 0);
    assert.equal(T.ones([3]).softmax(0).isnan().any().item(), 0);
    // Normalising a zero vector stays finite thanks to eps.
    assert.equal(T.zeros([2, 3]).normalize().isfinite().all().item(), 1);
    assert.equal(T.crossEntropy(T.full([1, 3], -1e4), T.tensor([1])).isfinite().item(), 1);
  }));
});

describe('argument errors from the binding layer', () => {
  test('wrong argument types raise TypeErrors naming the argument', scoped(() => {
    throwsFrom('add', () => loose.add('x', 1), /argument 'self' must be a Tensor/, TypeError);
    throwsFrom('add', () => T.add(T.ones([1]), 'x' as unknown as number), /argument 'other' must be a Tensor or a number/, TypeError);
    throwsFrom('matmul', () => loose.matmul(T.ones([2, 2]), 5), /argument 'other' must be a Tensor/, TypeError);
    throwsFrom('cat', () => loose.cat([T.ones([1]), 'x']), /argument 'tensors' must be an array of Tensors/, TypeError);
    // Not an array at all: the TypeScript wrapper fails first (still a TypeError, not an abort).
    assert.throws(() => loose.cat(T.ones([1])), TypeError);
    throwsFrom('reshape', () => loose.reshape(T.ones([4]), [2, 'x']), /argument 'shape' must be an array of integers/, TypeError);
    throwsFrom('reshape', () => loose.reshape(T.ones([4]), 4), /argument 'shape' must be an array of integers/, TypeError);
    throwsFrom('select', () => T.ones([4]).select(0, 1.5), /argument 'index' must be an integer/, TypeError);
    throwsFrom('transpose', () => loose.transpose(T.ones([2, 2]), 0), /argument 'dim1' must be an integer/, TypeError);
    throwsFrom('conv3d', () => T.conv3d(T.ones([1, 1, 2, 2, 2]), T.ones([1, 1, 1, 1, 1]), null, { stride: [1, 1] }), /argument 'stride' must have 3 entries/, TypeError);
    throwsFrom('conv3d', () => loose.conv3d(T.ones([1, 1, 2, 2, 2]), T.ones([1, 1, 1, 1, 1]), null, { padding: 'same' }), /argument 'padding' must be an array of integers/, TypeError);
    throwsFrom('dropout', () => loose.dropout(T.ones([2]), 0.5, 'yes'), /argument 'train' must be a boolean/, TypeError);
    throwsFrom('pad', () => loose.pad(T.ones([1, 1, 2]), [1, 1], 3), /argument 'mode' must be a string/, TypeError);
    throwsFrom('fill_', () => loose.fill_(T.ones([2]), 'x'), /argument 'value' must be a number/, TypeError);
  }));

  test('bad names in string arguments', scoped(() => {
    throwsFrom('zeros', () => loose.zeros([2], { dtype: 'float99' }), /unknown dtype 'float99'/, TypeError);
    throwsFrom('to', () => loose.to(T.ones([2]), 'complex64'), /unknown dtype 'complex64'/, TypeError);
    throwsFrom('to', () => T.ones([2]).to(null, 'tpu'), /unknown device 'tpu'/, TypeError);
    throwsFrom('mseLoss', () => T.mseLoss(T.ones([2]), T.ones([2]), { reduction: 'avg' }), /reduction must be 'mean', 'sum' or 'none', got 'avg'/, TypeError);
    throwsFrom('interpolate', () => T.interpolate(T.ones([1, 1, 2, 2, 2]), { size: 3, mode: 'cubic' }), /mode must be 'nearest', 'nearest-exact' or 'trilinear'/, TypeError);
    throwsFrom('gridSample', () => T.gridSample(T.ones([1, 1, 2, 2, 2]), T.zeros([1, 1, 1, 1, 3]), { mode: 'bicubic' }), /mode must be 'bilinear' or 'nearest'/, TypeError);
    throwsFrom('gridSample', () => T.gridSample(T.ones([1, 1, 2, 2, 2]), T.zeros([1, 1, 1, 1, 3]), { paddingMode: 'wrap' }), /paddingMode must be/, TypeError);
    throwsFrom('pad', () => T.pad(T.ones([1, 1, 4]), [1, 1], 'bogus'), /Unrecognised padding mode bogus/);
    throwsFrom('gelu', () => T.gelu(T.ones([1]), { approximate: 'x' }), /approximate argument must be either none or tanh/);
    throwsFrom('div', () => T.div(T.ones([1]), 2, { roundingMode: 'up' }), /rounding_mode/);
    throwsFrom('fromBytes', () => T.fromBytes(new Uint8Array(3), 'float32', [1]), /got 3 bytes, shape and dtype need 4/, TypeError);
    throwsFrom('setNumThreads', () => T.setNumThreads(0), /threads must be ≥ 1/, TypeError);
  }));

  test('use after dispose', () => {
    const t = T.ones([2]);
    t.dispose();
    assert.equal(t.disposed, true);
    throwsFrom('add', () => t.add(1), /tensor was disposed/);
    throwsFrom('shape', () => t.shape, /tensor was disposed/);
    throwsFrom('item', () => t.item(), /tensor was disposed/);
    throwsFrom('cat', () => T.tidy(() => T.cat([T.ones([1]), t])), /tensor was disposed/);
    assert.equal(t.toString(), 'Tensor(disposed)');
    t.dispose(); // a second dispose is a no-op
  });

  test('a stale handle never reaches another tensor', () => {
    const a = T.ones([1]);
    const handle = a.h;
    a.dispose();
    const b = T.zeros([1]); // may reuse a's slot
    throwsFrom('add', () => loose.add({ h: handle }, 1), /disposed/);
    b.dispose();
  });
});

describe('no input aborts the process', () => {
  test('a batch of failing calls in a child process: every one throws, the child exits normally', () => {
    const engine = new URL('../../src/engine/index.js', import.meta.url).href;
    const script = `
import * as T from ${JSON.stringify(engine)};
const cases = [
  () => T.matmul(T.ones([2, 3]), T.ones([2, 3])),
  () => T.zeros([2], { dtype: 'float99' }),
  () => T.indexSelect(T.ones([3]), 0, T.tensor([5])),
  () => T.gather(T.ones([3]), 0, T.tensor([-9])),
  () => { const t = T.ones([2]); t.dispose(); return t.add(1); },
  () => T.add('x', 1),
  () => T.conv3d(T.ones([1, 2, 3, 3]), T.ones([1, 2, 1, 1, 1])),
  () => T.ones([2, 3]).reshape([4]),
  () => T.ones([2, 3]).transpose(0, 1).view([6]),
  () => T.pixelShuffle3d(T.ones([1, 8, 1, 1, 1]), 0),
  () => T.pixelShuffle3d(T.ones([1, 8, 1, 1, 1]), -2),
  () => T.interpolate(T.ones([1, 1, 2, 2, 2]), { size: [4, 4] }),
  () => T.interpolate(T.ones([1, 1, 2, 2, 2]), { scaleFactor: [] }),
  () => T.crossEntropy(T.zeros([1, 3, 2, 2, 2]), T.full([1, 2, 2, 2], 7, { dtype: 'int64' })),
  () => T.scatterAdd(T.zeros([3]), 0, T.tensor([7]), T.ones([1])),
  () => T.zeros([3]).indexPut_([T.tensor([9])], T.ones([1])),
  () => T.ones([4]).asStrided([10], [1]),
  () => T.setRngState(T.zeros([3], { dtype: 'uint8' })),
  () => T.ones([0]).item(),
  () => T.cat([]),
  () => T.empty([1e15]),
  () => T.fromBytes(new Uint8Array(0), 'float32', [-1]),
  () => T.ones([2]).to(null, 'cuda:0').add(1),
  () => T.bincount(T.tensor([-1])),
  () => T.affineGrid(T.zeros([1, 2, 3]), [1, 1, 2, 2, 2]),
  () => T.gridSample(T.ones([1, 1, 2, 2, 2]), T.zeros([1, 2, 2, 2, 2])),
  () => T.maxPool3d(T.ones([1, 1, 3, 3, 3]), 0),
  () => T.convTranspose3d(T.ones([1, 2, 3, 3, 3]), T.ones([2, 1, 1, 1, 1]), null, { stride: 1, outputPadding: 2 }),
  () => T.index(T.ones([2]), []),
  () => T.ones([2]).sum().backward(T.ones([5])),
  () => { const p = T.ones([2]).requiresGrad_(); p.grad = T.ones([5]); p.mul(2).sum().backward(); },
  () => T.repeatInterleave(T.ones([2]), -1),
  () => T.topk(T.ones([3]), 5),
  () => T.unflatten(T.ones([6]), 0, [4, 4]),
];
let thrown = 0;
const messages = [];
for (const run of cases) {
  try { T.tidy(run); } catch (e) { if (e instanceof Error && e.message.length > 0) { thrown++; messages.push(e.message.split('\\n')[0]); } }
}
console.log(JSON.stringify({ total: cases.length, thrown, messages }));
`;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smit-errors-'));
    try {
      const file = path.join(dir, 'abort-probe.mjs');
      fs.writeFileSync(file, script);
      const child = spawnSync(process.execPath, [file], { encoding: 'utf8', timeout: 60_000 });
      assert.equal(child.signal, null, `child killed by ${child.signal}: ${child.stderr}`);
      assert.equal(child.status, 0, `child exited with ${child.status}: ${child.stderr}`);
      const report = JSON.parse(child.stdout.trim().split('\n').pop()!);
      assert.equal(report.thrown, report.total, `every case throws: ${JSON.stringify(report.messages, null, 1)}`);
      assert.ok(report.total >= 30);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
