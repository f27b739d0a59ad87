// Command-line options derived from a defaults object: every key becomes a
// --kebab-case option of the default's type; unknown options are errors.
import { parseArgs } from 'node:util';

type Defaults = object;

export function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

export interface OptionDoc {
  [key: string]: string;
}

/** Parses argv against `defaults`; `docs` lists the options shown in --help and accepted. */
export function parseOptions<D extends Defaults>(command: string, argv: string[], defaults: D, docs: OptionDoc): D {
  const spec: Record<string, { type: 'string' | 'boolean'; multiple?: boolean }> = { help: { type: 'boolean' } };
  for (const key of Object.keys(docs)) {
    const d = (defaults as Record<string, unknown>)[key];
    spec[kebab(key)] = typeof d === 'boolean' ? { type: 'boolean' } : { type: 'string', multiple: Array.isArray(d) && key === 'data' };
  }
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: spec, strict: true, allowPositionals: false });
  } catch (error) {
    throw new UsageError(`${command}: ${(error as Error).message}`, usage(command, defaults, docs));
  }
  if (parsed.values.help) {
    process.stdout.write(usage(command, defaults, docs));
    process.exit(0);
  }
  const out: Record<string, unknown> = { ...(defaults as Record<string, unknown>) };
  for (const key of Object.keys(docs)) {
    const raw = (parsed.values as Record<string, unknown>)[kebab(key)];
    if (raw === undefined) continue;
    out[key] = convert(command, key, raw, (defaults as Record<string, unknown>)[key]);
  }
  return out as unknown as D;
}

function convert(command: string, key: string, raw: unknown, def: unknown): unknown {
  const flag = `--${kebab(key)}`;
  if (typeof raw === 'boolean') return raw;
  if (Array.isArray(raw)) return raw.flatMap((r) => String(r).split(',')).filter(Boolean);
  const text = String(raw);
  if (typeof def === 'number' || def === null) {
    if (def === null && Number.isNaN(Number(text)) && text !== 'null') {
      if (text.includes(',')) return numberList(command, flag, text);
      return text;
    }
    if (text === 'null') return null;
    const n = Number(text);
    if (!Number.isFinite(n)) throw new UsageError(`${command}: ${flag} expects a number, got '${text}'`);
    return n;
  }
  if (Array.isArray(def)) return typeof def[0] === 'number' ? numberList(command, flag, text) : text.split(',');
  if (typeof def === 'object') {
    try {
      return JSON.parse(text);
    } catch {
      throw new UsageError(`${command}: ${flag} expects JSON, got '${text}'`);
    }
  }
  return text;
}

function numberList(command: string, flag: string, text: string): number[] {
  const values = text.split(',').map(Number);
  if (values.some((v) => !Number.isFinite(v))) throw new UsageError(`${command}: ${flag} expects numbers like 2,2,2, got '${text}'`);
  return values;
}

export function usage(command: string, defaults: Defaults, docs: OptionDoc): string {
  const lines = [`usage: smit ${command} [options]`, ''];
  for (const [key, doc] of Object.entries(docs)) {
    const d = (defaults as Record<string, unknown>)[key];
    const shown = d === null ? '' : ` (default: ${Array.isArray(d) ? d.join(',') : typeof d === 'object' ? JSON.stringify(d) : d})`;
    lines.push(`  --${kebab(key).padEnd(26)} ${doc}${shown}`);
  }
  return `${lines.join('\n')}\n`;
}

export class UsageError extends Error {
  constructor(message: string, readonly help?: string) {
    super(message);
  }
}
