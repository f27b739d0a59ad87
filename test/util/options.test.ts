import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError, defineOptions, parseCommand } from '../../src/util/options.js';
import { PRETRAIN_DEFAULTS, PRETRAIN_OPTIONS, validatePretrainOptions } from '../../src/ssl/pretrain_options.js';

const TABLE = defineOptions({
  input: { type: 'string', required: true, help: 'input file' },
  level: { type: 'integer', min: 1, max: 9, default: 5, help: 'level' },
  size: { type: 'integers', count: 3, min: 1, help: 'size' },
  names: { type: 'strings', default: [], help: 'names' },
  mode: { type: 'choice', choices: ['fast', 'exact'], default: 'fast', help: 'mode' },
  dry: { type: 'boolean', help: 'dry run' },
});

test('parseCommand returns typed values with defaults, or the help text', () => {
  const { values } = parseCommand('x', TABLE, ['--input', 'a', '--size', '1,2,3', '--names', 'p,q', '--names=r', '--dry']);
  assert.deepEqual(values, { input: 'a', level: 5, size: [1, 2, 3], names: ['p', 'q', 'r'], mode: 'fast', dry: true });
  const help = parseCommand('x', TABLE, ['--level', 'bad', '-h']).help;
  assert.match(help ?? '', /--level <value> +level \(an integer in \[1, 9\]; default 5\)/);
  assert.match(help ?? '', /--input <value> +input file \(a non-empty string; required\)/);
});

test('bad values are UsageErrors naming the option, the value and what is allowed', () => {
  const bad = (argv: string[], message: RegExp) => assert.throws(() => parseCommand('x', TABLE, ['--input', 'a', ...argv]), (e: Error) => e instanceof UsageError && message.test(e.message));
  bad(['--level', '10'], /^--level: expected an integer in \[1, 9\], got '10'$/);
  bad(['--level', ' 3'], /^--level: expected an integer in \[1, 9\], got ' 3'$/);
  bad(['--size', '1,2'], /^--size: expected 3 integers ≥ 1, comma-separated, got '1,2'$/);
  bad(['--mode', 'slow'], /^--mode: expected one of fast, exact, got 'slow'$/);
  assert.throws(() => parseCommand('x', TABLE, []), /^UsageError: --input is required: input file$/);
});

test('the pre-training defaults are the official SMIT code\'s', () => {
  assert.equal(PRETRAIN_DEFAULTS.weightDecay, 0.01);
  assert.equal(PRETRAIN_DEFAULTS.weightDecayEnd, 0.01);
  assert.equal(PRETRAIN_DEFAULTS.weightDecayExempt, 'none');
  assert.equal(PRETRAIN_DEFAULTS.clipGrad, 0);
  assert.equal(PRETRAIN_DEFAULTS.minLr, 0);
  assert.equal(PRETRAIN_DEFAULTS.stepsPerEpoch, null);
  assert.deepEqual(Object.keys(PRETRAIN_DEFAULTS), Object.keys(PRETRAIN_OPTIONS));
});

test('library callers are checked against the same table', () => {
  const good = { ...PRETRAIN_DEFAULTS, data: ['a.nii.gz'] };
  validatePretrainOptions(good);
  assert.throws(() => validatePretrainOptions({ ...good, maxSteps: -1 }), /^UsageError: --max-steps: expected an integer ≥ 1, got -1$/);
  assert.throws(() => validatePretrainOptions({ ...good, data: [] }), /--data is required/);
  assert.throws(() => validatePretrainOptions({ ...good, configOverrides: { imgSize: [96, 96, 96], window: 3 } }), /--config-overrides: window 3 must be even/);
  assert.throws(() => validatePretrainOptions({ ...good, epochs: null as unknown as number }), /--epochs: expected an integer ≥ 1, got null/);
});
