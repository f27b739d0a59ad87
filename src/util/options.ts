// Option tables for the `smit` commands and the one parser that reads them.
//
// A table maps camelCase names (shown as --kebab-case flags) to declarative rules:
//
//   export const OPTIONS = defineOptions({
//     checkpoint: { type: 'string', required: true, help: 'pre-training checkpoint' },
//     from: { type: 'choice', choices: ['teacher', 'student'], default: 'teacher', help: "which network's backbone" },
//     steps: { type: 'integer', min: 1, default: 40, help: 'pre-training steps' },
//     spacing: { type: 'numbers', count: 3, above: 0, default: [2, 2, 2], help: 'mm, D,H,W' },
//     overwrite: { type: 'boolean', help: 'replace an existing output' },
//   });
//   const parsed = parseCommand('export-encoder', OPTIONS, argv); // throws UsageError: option, value, what is allowed
//   if (parsed.help !== undefined) print(parsed.help);
//   else use(parsed.values);                                        // typed from the table: values.from is 'teacher' | 'student'
//
// Rule types: boolean (a flag, false unless given), integer and number (min/max inclusive,
// above/below exclusive), choice, string, integers and numbers (comma-separated lists; count,
// or minCount/maxCount), strings (repeatable and comma-separated), object (JSON checked key by
// key against `keys`, a table of rules; unknown keys are refused). An option without a default
// is null unless given; `required: true` means it must be given (non-empty for lists).
// checkValues(table, values) applies the same rules to values built in code (library callers).
// A command module exports a SmitCommand (src/cli/commands/*.ts) and is listed in src/cli/main.ts; its
// run() should import heavy modules (the libtorch addon) lazily so that bad options fail fast.
import { parseArgs } from 'node:util';

interface Range {
  min?: number;
  max?: number;
  above?: number;
  below?: number;
}

interface Counted {
  count?: number;
  minCount?: number;
  maxCount?: number;
}

export type Rule =
  | { type: 'boolean' }
  | ({ type: 'integer' | 'number' } & Range)
  | { type: 'choice'; choices: readonly string[] }
  | { type: 'string' }
  | ({ type: 'integers' | 'numbers' } & Range & Counted)
  | { type: 'strings' }
  | { type: 'object'; keys: Readonly<Record<string, Rule>> };

export type OptionRule = Rule & { help: string; default?: unknown; required?: boolean };
export type OptionTable = Readonly<Record<string, OptionRule>>;

type Tuple<N extends number, Acc extends number[] = []> = Acc['length'] extends N ? Acc : Tuple<N, [...Acc, number]>;

export type RuleValue<R> = R extends { type: 'boolean' }
  ? boolean
  : R extends { type: 'integer' | 'number' }
    ? number
    : R extends { type: 'choice'; choices: readonly (infer C)[] }
      ? C
      : R extends { type: 'string' }
        ? string
        : R extends { type: 'integers' | 'numbers'; count: infer N extends number }
          ? number extends N
            ? number[]
            : Tuple<N>
          : R extends { type: 'integers' | 'numbers' | 'strings' }
            ? R extends { type: 'strings' }
              ? string[]
              : number[]
            : R extends { type: 'object'; keys: infer K }
              ? { -readonly [P in keyof K]?: RuleValue<K[P]> }
              : never;

type OptionValue<O> = O extends { required: true }
  ? RuleValue<O>
  : O extends { type: 'boolean' }
    ? boolean
    : O extends { default: null }
      ? RuleValue<O> | null
      : O extends { default: unknown }
        ? RuleValue<O>
        : RuleValue<O> | null;

export type OptionValues<T extends OptionTable> = { -readonly [K in keyof T]: OptionValue<T[K]> };

/** A sub-command: its table, and what it does with values that passed it. */
export interface SmitCommand<T extends OptionTable = OptionTable> {
  about: string;
  options: T;
  run(values: OptionValues<T>): Promise<void>;
}

/** Keeps the table's literal types (choices, counts) so that OptionValues can be derived from it. */
export function defineOptions<const T extends OptionTable>(table: T): T {
  return table;
}

export function defineCommand<const T extends OptionTable>(command: SmitCommand<T>): SmitCommand<T> {
  return command;
}

/** A mistake in how a command was called (exit status 2); `usage` is printed after the message when set. */
export class UsageError extends Error {
  constructor(message: string, readonly usage?: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export function flagOf(name: string): string {
  return `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

export type ParseResult<T extends OptionTable> = { help: string; values?: undefined } | { help?: undefined; values: OptionValues<T> };

/** Reads argv against the table: every value is checked before anything runs; --help returns the usage text. */
export function parseCommand<T extends OptionTable>(command: string, table: T, argv: readonly string[]): ParseResult<T> {
  const help = usage(command, table);
  const byFlag = new Map(Object.entries(table).map(([name, rule]) => [flagOf(name).slice(2), name]));
  const spec: Record<string, { type: 'string' | 'boolean'; short?: string }> = { help: { type: 'boolean', short: 'h' } };
  for (const [flag, name] of byFlag) spec[flag] = { type: table[name].type === 'boolean' ? 'boolean' : 'string' };
  const { tokens } = parseArgs({ args: [...argv], options: spec, strict: false, allowPositionals: true, tokens: true });
  if (tokens.some((t) => t.kind === 'option' && t.name === 'help')) return { help };

  const texts = new Map<string, string[]>();
  for (const token of tokens) {
    if (token.kind === 'positional') throw new UsageError(`unexpected argument '${token.value}'`, help);
    if (token.kind !== 'option') continue;
    const name = byFlag.get(token.name);
    if (name === undefined) throw new UsageError(`unknown option '${token.rawName}'`, help);
    const flag = flagOf(name);
    const rule = table[name];
    const seen = texts.get(name) ?? [];
    if (seen.length > 0 && rule.type !== 'strings') throw new UsageError(`${flag} is given more than once`);
    if (rule.type === 'boolean') {
      if (token.value !== undefined) throw new UsageError(`${flag} takes no value, got '${token.value}'`);
      seen.push('');
    } else {
      // parseArgs takes the next argument as the value even when it is another option.
      if (token.value === undefined || (!token.inlineValue && token.value.startsWith('--'))) {
        throw new UsageError(`${flag}: missing value (expected ${describe(rule)})`);
      }
      seen.push(token.value);
    }
    texts.set(name, seen);
  }

  const values: Record<string, unknown> = defaultsOf(table);
  for (const [name, rule] of Object.entries(table)) {
    const given = texts.get(name);
    if (given !== undefined) values[name] = fromText(rule, given, flagOf(name));
  }
  checkValues(table, values);
  return { values: values as OptionValues<T> };
}

/** Every option's default (null where it has none, false for flags). */
export function defaultsOf<T extends OptionTable>(table: T): OptionValues<T> {
  const values: Record<string, unknown> = {};
  for (const [name, rule] of Object.entries(table)) {
    const value = rule.default ?? (rule.type === 'boolean' ? false : null);
    values[name] = Array.isArray(value) ? [...value] : value;
  }
  return values as OptionValues<T>;
}

/** Checks values against the table's rules (all of them, also those built in code); throws a UsageError naming the option. */
export function checkValues(table: OptionTable, values: Readonly<Record<string, unknown>>): void {
  for (const [name, rule] of Object.entries(table)) {
    const flag = flagOf(name);
    const value = values[name];
    const empty = value === undefined || value === null || value === '' || (Array.isArray(value) && value.length === 0);
    if (rule.required && empty) throw new UsageError(`${flag} is required: ${rule.help}`);
    if (value === null && !rule.required && rule.type !== 'boolean' && (rule.default ?? null) === null) continue;
    checkValue(rule, value, flag, JSON.stringify(value) ?? String(value));
  }
}

function fromText(rule: OptionRule, texts: string[], flag: string): unknown {
  const text = texts[texts.length - 1];
  const expected = `${describe(rule)}${rule.type === 'integers' || rule.type === 'numbers' ? ', comma-separated' : ''}`;
  const fail = (): never => {
    throw new UsageError(`${flag}: expected ${expected}, got '${text}'`);
  };
  let value: unknown;
  switch (rule.type) {
    case 'boolean':
      return true;
    case 'integer':
    case 'number':
      value = DECIMAL.test(text) ? Number(text) : fail();
      break;
    case 'integers':
    case 'numbers':
      value = text.split(',').map((part) => (DECIMAL.test(part.trim()) ? Number(part) : fail()));
      break;
    case 'strings':
      return texts.flatMap((t) => t.split(',')).filter((t) => t !== '');
    case 'object':
      try {
        value = JSON.parse(text);
      } catch (error) {
        throw new UsageError(`${flag}: expected ${expected}, got '${text}' (${(error as Error).message})`);
      }
      break;
    default:
      value = text;
  }
  checkValue(rule, value, flag, `'${text}'`, expected);
  return value;
}

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/** `shown` is how the value reads in the message: as typed on the command line, or as JSON. */
function checkValue(rule: Rule, value: unknown, name: string, shown: string, expected = describe(rule)): void {
  const fail = (): never => {
    throw new UsageError(`${name}: expected ${expected}, got ${shown}`);
  };
  switch (rule.type) {
    case 'boolean':
      if (typeof value !== 'boolean') fail();
      return;
    case 'integer':
    case 'number':
      if (!inRange(rule, value)) fail();
      return;
    case 'choice':
      if (typeof value !== 'string' || !rule.choices.includes(value)) fail();
      return;
    case 'string':
      if (typeof value !== 'string' || value === '') fail();
      return;
    case 'strings':
      if (!Array.isArray(value) || value.some((v) => typeof v !== 'string' || v === '')) fail();
      return;
    case 'integers':
    case 'numbers': {
      if (!Array.isArray(value)) return fail();
      const [least, most] = countRange(rule);
      if (value.length < least || value.length > most || !value.every((v) => inRange(rule, v))) fail();
      return;
    }
    case 'object': {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail();
      for (const [key, item] of Object.entries(value)) {
        const inner = rule.keys[key];
        if (inner === undefined) throw new UsageError(`${name}: unknown key '${key}' (known: ${Object.keys(rule.keys).join(', ')})`);
        checkValue(inner, item, `${name}: '${key}'`, JSON.stringify(item) ?? String(item));
      }
    }
  }
}

function inRange(rule: Range & { type: string }, value: unknown): boolean {
  if (typeof value !== 'number' || !Number.isFinite(value)) return false;
  if ((rule.type === 'integer' || rule.type === 'integers') && !Number.isInteger(value)) return false;
  return (
    (rule.min === undefined || value >= rule.min) &&
    (rule.max === undefined || value <= rule.max) &&
    (rule.above === undefined || value > rule.above) &&
    (rule.below === undefined || value < rule.below)
  );
}

function countRange(rule: Counted): [number, number] {
  return rule.count !== undefined ? [rule.count, rule.count] : [rule.minCount ?? 1, rule.maxCount ?? Infinity];
}

/** What a rule allows, in words: 'an integer ≥ 1', 'a number in [0, 1)', '3 numbers > 0'. */
export function describe(rule: Rule): string {
  switch (rule.type) {
    case 'boolean':
      return 'true or false';
    case 'integer':
      return `an integer${rangeText(rule)}`;
    case 'number':
      return `a number${rangeText(rule)}`;
    case 'choice':
      return `one of ${rule.choices.join(', ')}`;
    case 'string':
      return 'a non-empty string';
    case 'strings':
      return 'one or more values';
    case 'integers':
    case 'numbers': {
      const [least, most] = countRange(rule);
      const count = least === most ? `${least}` : most === Infinity ? `${least} or more` : `${least} to ${most}`;
      return `${count} ${rule.type === 'integers' ? 'integers' : 'numbers'}${rangeText(rule)}`;
    }
    case 'object':
      return 'a JSON object';
  }
}

function rangeText(r: Range): string {
  const low = r.min !== undefined ? { v: r.min, open: false } : r.above !== undefined ? { v: r.above, open: true } : undefined;
  const high = r.max !== undefined ? { v: r.max, open: false } : r.below !== undefined ? { v: r.below, open: true } : undefined;
  if (low && high) return ` in ${low.open ? '(' : '['}${low.v}, ${high.v}${high.open ? ')' : ']'}`;
  if (low) return ` ${low.open ? '>' : '≥'} ${low.v}`;
  if (high) return ` ${high.open ? '<' : '≤'} ${high.v}`;
  return '';
}

/** The --help text: one line per option with its help, what it allows and its default. */
export function usage(command: string, table: OptionTable): string {
  const lines = [`usage: smit ${command} [options]`, ''];
  for (const [name, rule] of Object.entries(table)) {
    const left = `${flagOf(name)}${rule.type === 'boolean' ? '' : ' <value>'}`;
    const notes = rule.type === 'boolean' ? [] : [describe(rule)];
    if (rule.required) notes.push('required');
    else if (rule.default !== undefined && rule.default !== null && !(Array.isArray(rule.default) && rule.default.length === 0)) {
      notes.push(`default ${typeof rule.default === 'object' && !Array.isArray(rule.default) ? JSON.stringify(rule.default) : String(rule.default)}`);
    }
    lines.push(`  ${left.padEnd(36)} ${rule.help}${notes.length ? ` (${notes.join('; ')})` : ''}`);
  }
  return `${lines.join('\n')}\n`;
}
