// Generates the op bindings from native/ops.decl:
//   native/generated/ops.cpp      — one N-API entry point per op
//   src/engine/generated/ops.ts   — typed functions and Tensor methods (committed)
// Run by `npm run build:native`. `--out-dir DIR` writes both under DIR instead
// of the repository (test/engine/generated_ops.test.ts compares the result).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const declPath = join(root, 'native/ops.decl');
const outFlag = process.argv.indexOf('--out-dir');
if (outFlag >= 0 && !process.argv[outFlag + 1]) throw new Error('gen-ops: --out-dir takes a folder');
const outRoot = outFlag < 0 ? root : resolve(process.argv[outFlag + 1]);

// C++ reader and TypeScript type for each argument type.
// Tensor arguments take `cast`: the precision policy's conversion (autocast.h), or none.
const cast = (fn, read) => (fn ? `autocast::${fn}(${read})` : read);
const ARG_TYPES = {
  'Tensor': { cpp: (n, i, fn) => `const at::Tensor& ${n} = ${cast(fn, `args.tensor(${i}, "${n}")`)};`, ts: 'Tensor', pass: (v) => `${v}.h` },
  'Tensor?': { cpp: (n, i, fn) => `auto ${n} = ${cast(fn, `args.optTensor(${i}, "${n}")`)};`, ts: 'Tensor | null', pass: (v) => `${v}?.h` },
  'Tensor[]': { cpp: (n, i, fn) => `auto ${n} = ${cast(fn, `args.tensorList(${i}, "${n}")`)};`, ts: 'Tensor[]', pass: (v) => `handles(${v})` },
  'TensorOrScalar': { cpp: (n, i, fn) => `at::Tensor ${n} = ${cast(fn, `args.tensorOrScalar(${i}, "${n}")`)};`, ts: 'Tensor | number | boolean', pass: (v) => `operand(${v})` },
  'Scalar': { cpp: (n, i) => `at::Scalar ${n} = args.scalar(${i}, "${n}");`, ts: 'number | boolean' },
  'Scalar?': { cpp: (n, i) => `auto ${n} = args.optScalar(${i}, "${n}");`, ts: 'number | null' },
  'int': { cpp: (n, i) => `int64_t ${n} = args.integer(${i}, "${n}");`, ts: 'number' },
  'int?': { cpp: (n, i) => `auto ${n} = args.optInteger(${i}, "${n}");`, ts: 'number | null' },
  'int[]': { cpp: (n, i) => `auto ${n} = args.intList(${i}, "${n}");`, ts: 'readonly number[]' },
  'int[]?': { cpp: (n, i) => `auto ${n} = args.optIntList(${i}, "${n}");`, ts: 'number | readonly number[] | null' },
  'float': { cpp: (n, i) => `double ${n} = args.number(${i}, "${n}");`, ts: 'number' },
  'float?': { cpp: (n, i) => `auto ${n} = args.optNumber(${i}, "${n}");`, ts: 'number | null' },
  'float[]?': { cpp: (n, i) => `auto ${n} = args.optFloatList(${i}, "${n}");`, ts: 'readonly number[] | null' },
  'bool': { cpp: (n, i) => `bool ${n} = args.boolean(${i}, "${n}");`, ts: 'boolean' },
  'str': { cpp: (n, i) => `std::string ${n} = args.string(${i}, "${n}");`, ts: 'string' },
  'str?': { cpp: (n, i) => `auto ${n} = args.optString(${i}, "${n}");`, ts: 'string | null' },
  'dtype': { cpp: (n, i) => `at::ScalarType ${n} = args.dtype(${i}, "${n}");`, ts: 'DType' },
  'dtype?': { cpp: (n, i) => `auto ${n} = args.optDtype(${i}, "${n}");`, ts: 'DType | null' },
  'device?': { cpp: (n, i) => `auto ${n} = args.optDevice(${i}, "${n}");`, ts: 'Device | null' },
};

function argType(type) {
  const fixed = /^int\[(\d+)\]$/.exec(type);
  if (fixed) {
    return {
      cpp: (n, i) => `auto ${n} = args.intList(${i}, "${n}", ${fixed[1]});`,
      ts: 'number | readonly number[]',
    };
  }
  const known = ARG_TYPES[type];
  if (!known) throw new Error(`ops.decl: unknown argument type '${type}'`);
  return known;
}

const RESULTS = {
  'Tensor': { cpp: (e) => `return wrap(info.Env(), at::Tensor(${e}));`, ts: 'Tensor', adopt: (c) => `adopt(${c})` },
  'Tensor[]': { cpp: (e) => `return wrap(info.Env(), std::vector<at::Tensor>(${e}));`, ts: 'Tensor[]', adopt: (c) => `adoptAll(${c})` },
  '(Tensor,Tensor)': { cpp: (e) => `return wrap(info.Env(), std::tuple<at::Tensor, at::Tensor>(${e}));`, ts: '[Tensor, Tensor]', adopt: (c) => `adoptAll(${c}) as [Tensor, Tensor]` },
  '(Tensor,Tensor,Tensor)': { cpp: (e) => `return wrap(info.Env(), std::tuple<at::Tensor, at::Tensor, at::Tensor>(${e}));`, ts: '[Tensor, Tensor, Tensor]', adopt: (c) => `adoptAll(${c}) as [Tensor, Tensor, Tensor]` },
  'float': { cpp: (e) => `return wrap(info.Env(), static_cast<double>(${e}));`, ts: 'number', adopt: (c) => `${c} as number` },
  'int': { cpp: (e) => `return wrap(info.Env(), static_cast<int64_t>(${e}));`, ts: 'number', adopt: (c) => `${c} as number` },
  'bool': { cpp: (e) => `return wrap(info.Env(), static_cast<bool>(${e}));`, ts: 'boolean', adopt: (c) => `${c} as boolean` },
  'self': { cpp: (e) => `${e};\n    return info.Env().Undefined();`, ts: 'Tensor', adopt: (c) => `(${c}, self)` },
};

const RESERVED = new Set(['var', 'delete', 'new', 'in', 'function', 'default']);

function camel(name) {
  const trailing = name.endsWith('_') ? '_' : '';
  const core = trailing ? name.slice(0, -1) : name;
  return core.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase()) + trailing;
}

function splitTopLevel(text) {
  const parts = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '[' || ch === '(') depth++;
    if (ch === ']' || ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(current.trim());
      current = '';
    } else current += ch;
  }
  if (current.trim()) parts.push(current.trim());
  return parts;
}

// What each precision policy does to the op's floating tensor inputs under T.autocast.
const POLICIES = {
  lower: "Under `autocast`: computes in the scope's low-precision dtype.",
  full: 'Under `autocast`: computes in float32.',
};

function parse(line, lineNo, doc) {
  const m = /^(?:@(\w+)\s+)?(\w+)\((.*)\)\s*->\s*(\S+)\s*=\s*(.+)$/.exec(line);
  if (!m) throw new Error(`ops.decl:${lineNo}: cannot parse '${line}'`);
  const [, policy, name, argText, result, expr] = m;
  if (policy !== undefined && !POLICIES[policy]) throw new Error(`ops.decl:${lineNo}: unknown precision policy '@${policy}' (known: ${Object.keys(POLICIES).map((p) => `@${p}`).join(', ')})`);
  if (!RESULTS[result]) throw new Error(`ops.decl:${lineNo}: unknown result '${result}'`);
  const args = [];
  let keyword = false;
  for (const part of splitTopLevel(argText)) {
    if (part === '*') {
      keyword = true;
      continue;
    }
    const am = /^(\S+)\s+(\w+)(?:=(.+))?$/.exec(part);
    if (!am) throw new Error(`ops.decl:${lineNo}: bad argument '${part}'`);
    const [, type, argName, def] = am;
    args.push({ type, name: argName, def, keyword, kind: argType(type) });
  }
  const method = args.length > 0 && args[0].name === 'self' && args[0].type === 'Tensor';
  if (doc.length === 0) throw new Error(`ops.decl:${lineNo}: '${name}' has no /// doc comment above it`);
  return { name, ts: camel(name), args, result, expr, method, policy, doc: policy ? [...doc, POLICIES[policy]] : doc };
}

function tsDoc(doc, indent) {
  if (doc.length === 1) return `${indent}/** ${doc[0]} */\n`;
  return `${indent}/**\n${doc.map((l) => `${indent} * ${l}`).join('\n')}\n${indent} */\n`;
}

function cppEntry(op) {
  const reads = op.args.map((arg, i) => `    ${arg.kind.cpp(arg.name, i, op.policy)}`).join('\n');
  return `Napi::Value op_${op.name}(const Napi::CallbackInfo& info) {
  return guarded(info, "${op.ts}", [&]() -> Napi::Value {
    Args args(info, "${op.ts}");
${reads}
    ${RESULTS[op.result].cpp(op.expr)}
  });
}
`;
}

// `declaration`: for the Tensor interface, where defaults become optional parameters.
function tsParam(arg, declaration) {
  const type = arg.kind.ts;
  if (arg.def === undefined) return `${arg.name}: ${type}`;
  if (arg.def === 'null' || declaration) return `${arg.name}?: ${type}`;
  return `${arg.name}: ${type} = ${arg.def}`;
}

function tsSignature(op, { skipSelf, declaration = false }) {
  const positional = op.args.filter((a) => !a.keyword).slice(skipSelf ? 1 : 0);
  const keywords = op.args.filter((a) => a.keyword);
  const params = positional.map((a) => tsParam(a, declaration));
  if (keywords.length > 0) {
    const fields = keywords.map((a) => `${a.name}?: ${a.kind.ts}`).join('; ');
    params.push(declaration ? `options?: { ${fields} }` : `options: { ${fields} } = {}`);
  }
  return params.join(', ');
}

function tsCallArgs(op, selfExpr) {
  return op.args
    .map((arg, i) => {
      let v = arg.keyword ? `options.${arg.name}` : arg.name;
      if (i === 0 && selfExpr) v = selfExpr;
      if (arg.keyword && arg.def !== undefined && arg.def !== 'null') v = `(${v} ?? ${arg.def})`;
      const pass = arg.kind.pass;
      return pass ? pass(v) : v;
    })
    .join(', ');
}

function tsFunction(op) {
  const id = RESERVED.has(op.ts) ? `${op.ts}_` : op.ts;
  const call = `native.${op.name}(${tsCallArgs(op)})`;
  return `${tsDoc(op.doc, '')}export function ${id}(${tsSignature(op, { skipSelf: false })}): ${RESULTS[op.result].ts} {
  return ${RESULTS[op.result].adopt(call)};
}`;
}

function tsMethod(op) {
  const id = RESERVED.has(op.ts) ? `${op.ts}_` : op.ts;
  const hasOptions = op.args.some((a) => a.keyword);
  const positional = op.args.filter((a) => !a.keyword).slice(1).map((a) => a.name);
  const callArgs = ['this', ...positional, ...(hasOptions ? ['options'] : [])].join(', ');
  const sig = tsSignature(op, { skipSelf: true });
  return {
    decl: `${tsDoc(op.doc, '    ')}    ${op.ts}(${tsSignature(op, { skipSelf: true, declaration: true })}): ${RESULTS[op.result].ts};`,
    impl: `proto.${op.ts} = function (this: Tensor, ${sig}) {\n  return ${id}(${callArgs});\n};`,
  };
}

const ops = [];
let doc = [];
readFileSync(declPath, 'utf8')
  .split('\n')
  .forEach((raw, i) => {
    const line = raw.trim();
    if (line.startsWith('///')) doc.push(line.slice(3).trim());
    else if (line && !line.startsWith('#')) {
      ops.push(parse(line, i + 1, doc));
      doc = [];
    } else if (doc.length > 0) throw new Error(`ops.decl:${i + 1}: a /// doc comment must stand right above its op`);
  });
const seen = new Set();
for (const op of ops) {
  if (seen.has(op.name)) throw new Error(`ops.decl: '${op.name}' declared twice`);
  seen.add(op.name);
}

const cpp = `// Generated by scripts/gen-ops.mjs from native/ops.decl. Do not edit.
#include <napi.h>
#include <torch/torch.h>

#include "args.h"
#include "autocast.h"
#include "core.h"
#include "ops_support.h"

namespace smit {
namespace {

${ops.map(cppEntry).join('\n')}
}  // namespace

void registerOps(Napi::Env env, Napi::Object exports) {
${ops.map((op) => `  exports.Set("${op.name}", Napi::Function::New(env, op_${op.name}, "${op.ts}"));`).join('\n')}
}

}  // namespace smit
`;

const methods = ops.filter((op) => op.method).map(tsMethod);
const reservedExports = ops.filter((op) => RESERVED.has(op.ts)).map((op) => `${op.ts}_ as ${op.ts}`);
const ts = `// Generated by scripts/gen-ops.mjs from native/ops.decl. Do not edit.
/* eslint-disable */
import { native } from '../native.js';
import { Tensor, adopt, adoptAll, handles, operand } from '../tensor.js';
import type { DType, Device } from '../dtype.js';

${ops.map(tsFunction).join('\n\n')}
${reservedExports.length ? `\nexport { ${reservedExports.join(', ')} };\n` : ''}
declare module '../tensor.js' {
  interface Tensor {
${methods.map((m) => m.decl).join('\n')}
  }
}

const proto = Tensor.prototype as any;
${methods.map((m) => m.impl).join('\n')}
`;

mkdirSync(join(outRoot, 'native/generated'), { recursive: true });
mkdirSync(join(outRoot, 'src/engine/generated'), { recursive: true });
writeFileSync(join(outRoot, 'native/generated/ops.cpp'), cpp);
writeFileSync(join(outRoot, 'src/engine/generated/ops.ts'), ts);
console.log(`gen-ops: ${ops.length} ops, ${methods.length} methods, ${ops.filter((op) => op.policy).length} with a precision policy`);
