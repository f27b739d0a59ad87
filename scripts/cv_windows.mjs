#!/usr/bin/env node
// Dice and time of sliding-window settings on a finished cross-validation:
// every fold's held-out cases segmented by the fold's last model with each
// setting, scored on their own grids, pooled per organ — the check a larger
// window or a smaller overlap must pass before it becomes a default.
//
//   node scripts/cv_windows.mjs --cv runs/cv-chaos --data dataset.json [--arm pretrained] \
//     [--setting crop:0.5 --setting whole:0 --setting 128,128,64:0.25 ...] [--out windows.json]
//
// A setting is <window>:<overlap>[:<blend>], window as `smit segment --window`,
// blend constant (default, the official) or gaussian. The first
// setting is the reference the others are compared with (default crop:0.5,
// the official inference).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    cv: { type: 'string' },
    data: { type: 'string' },
    arm: { type: 'string', default: 'pretrained' },
    setting: { type: 'string', multiple: true },
    out: { type: 'string' },
  },
});
const fail = (message) => {
  process.stderr.write(`cv_windows: ${message}\n`);
  process.exit(2);
};
if (!values.cv || !values.data) fail('--cv <cross-validation folder> and --data <dataset JSON> are required');
process.env.SMIT_NO_PROGRESS ||= '1';
const { parseWindowSize } = await import('../dist/src/seg/predict.js');
const settings = (values.setting ?? ['crop:0.5', 'whole:0']).map((text) => {
  const [window, overlap, blend = 'constant'] = text.split(':');
  const parsed = parseWindowSize(window);
  const o = Number(overlap ?? '0.5');
  if (parsed === undefined || !(o >= 0 && o < 1) || !['constant', 'gaussian'].includes(blend)) {
    fail(`--setting ${text}: expected <crop|whole|x,y,z>:<overlap in [0, 1)>[:constant|gaussian]`);
  }
  return { name: text, window: parsed, overlap: o, blend };
});

const { readDecathlonList } = await import('../dist/src/data/index.js');
const { nanAsNull, scoreFold, summarizeArm } = await import('../dist/src/seg/cross_validation.js');
const { caseId, classNamesOf } = await import('../dist/src/seg/finetune_data.js');
const { finetuneRunFiles } = await import('../dist/src/seg/run_files.js');

const splitsPath = join(values.cv, 'splits.json');
if (!existsSync(splitsPath)) fail(`${splitsPath}: no such file (run smit cv first)`);
const splits = JSON.parse(readFileSync(splitsPath, 'utf8'));
const list = await readDecathlonList(values.data);
const classNames = classNamesOf(list.labels, values.data);
const organs = classNames.slice(1);
const byId = new Map([...list.training, ...list.validation].map((e) => [caseId(e), e]));

const results = settings.map((s) => ({ ...s, cases: [] }));
for (const split of splits) {
  const model = finetuneRunFiles(join(values.cv, values.arm, `fold_${split.fold}`)).last;
  if (!existsSync(model)) fail(`${model}: no such file (fold ${split.fold} is not trained)`);
  for (const result of results) {
    const started = performance.now();
    const cases = await scoreFold(model, split.val.map((id) => byId.get(id)), split.fold, classNames, { window: result.window, overlap: result.overlap, blend: result.blend });
    result.cases.push(...cases);
    const seconds = cases.reduce((sum, c) => sum + c.segmentSeconds, 0);
    process.stderr.write(`fold ${split.fold} ${result.name}: ${seconds.toFixed(1)} s segmenting (${((performance.now() - started) / 1000).toFixed(1)} s with loading and scoring)\n`);
  }
}

const summaries = results.map((r) => ({
  setting: r.name,
  segmentSeconds: r.cases.reduce((sum, c) => sum + c.segmentSeconds, 0),
  ...summarizeArm(r.name, r.cases, organs, 0),
}));
const reference = summaries[0];
const delta = (s, organ) => s.organs[organ].dice[0] - reference.organs[organ].dice[0];
const lines = [
  `| setting | ${organs.join(' | ')} | mean Dice | worst organ Δ vs ${reference.setting} | segmenting (s, ${reference.cases.length} scans) | time vs ${reference.setting} |`,
  `|---|${organs.map(() => '---:').join('|')}|---:|---:|---:|---:|`,
  ...summaries.map((s) => {
    const worst = Math.min(...organs.map((o) => delta(s, o)));
    return `| ${s.setting} | ${organs.map((o) => s.organs[o].dice[0].toFixed(4)).join(' | ')} | ${s.meanDice.toFixed(4)} | ${worst >= 0 ? '+' : ''}${worst.toFixed(4)} | ${s.segmentSeconds.toFixed(1)} | ${(s.segmentSeconds / reference.segmentSeconds).toFixed(2)}× |`;
  }),
];
process.stdout.write(`${lines.join('\n')}\n`);
const out = values.out ?? join(values.cv, `windows_${values.arm}.json`);
writeFileSync(out, `${JSON.stringify({ arm: values.arm, summaries }, nanAsNull, 2)}\n`);
process.stderr.write(`wrote ${out}\n`);
