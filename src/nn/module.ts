// Module: a tree of named parameters, buffers and child modules whose
// dotted names form the state dict (the same names PyTorch would produce).
import * as T from '../engine/index.js';
import type { Tensor } from '../engine/index.js';

export interface LoadReport {
  missing: string[];
  unexpected: string[];
  mismatched: { key: string; expected: number[]; got: number[] }[];
  loaded: string[];
}

export class Module {
  training = true;
  readonly #params = new Map<string, Tensor>();
  readonly #buffers = new Map<string, { tensor: Tensor; persistent: boolean }>();
  readonly #children = new Map<string, Module>();
  /** Second names of children (PyTorch's shared submodules): alias → child name. */
  readonly #aliases = new Map<string, string>();

  /** Registers a trainable tensor (kept alive, requires grad). */
  protected param(name: string, tensor: Tensor): Tensor {
    T.keep(tensor).requiresGrad_(true);
    this.#params.set(name, tensor);
    return tensor;
  }

  /** Registers a state tensor that is not trained (running stats, fixed indices). */
  protected buffer(name: string, tensor: Tensor, persistent = true): Tensor {
    T.keep(tensor);
    this.#buffers.set(name, { tensor, persistent });
    return tensor;
  }

  protected module<M extends Module>(name: string, child: M): M {
    this.#children.set(name, child);
    return child;
  }

  /**
   * Lists a registered child under a second name, as PyTorch does when one
   * module is assigned to two attributes: the state dict holds its tensors
   * under both names, the parameters only once.
   */
  protected alias(name: string, childName: string): void {
    if (!this.#children.has(childName)) throw new Error(`alias '${name}': no child module '${childName}'`);
    this.#aliases.set(name, childName);
  }

  /** [aliasKey, primaryKey] for every state-dict entry reachable under an alias. */
  aliasedKeys(): [string, string][] {
    const pairs: [string, string][] = [];
    for (const [prefix, m] of this.modules()) {
      const at = (name: string) => (prefix ? `${prefix}.${name}` : name);
      for (const [alias, childName] of m.#aliases) {
        for (const key of m.#children.get(childName)!.stateDict().keys()) pairs.push([`${at(alias)}.${key}`, `${at(childName)}.${key}`]);
      }
    }
    return pairs;
  }

  children(): [string, Module][] {
    return [...this.#children];
  }

  *modules(prefix = ''): Generator<[string, Module]> {
    yield [prefix, this];
    for (const [name, child] of this.#children) yield* child.modules(prefix ? `${prefix}.${name}` : name);
  }

  namedParameters(): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [prefix, m] of this.modules()) {
      for (const [name, t] of m.#params) out.push([prefix ? `${prefix}.${name}` : name, t]);
    }
    return out;
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }

  namedBuffers(options: { persistentOnly?: boolean } = {}): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [prefix, m] of this.modules()) {
      for (const [name, b] of m.#buffers) {
        if (options.persistentOnly && !b.persistent) continue;
        out.push([prefix ? `${prefix}.${name}` : name, b.tensor]);
      }
    }
    return out;
  }

  /** Parameters and persistent buffers by dotted name, in registration order; aliased children appear under each name. */
  stateDict(): Map<string, Tensor> {
    const state = new Map([...this.namedParameters(), ...this.namedBuffers({ persistentOnly: true })]);
    for (const [alias, primary] of this.aliasedKeys()) state.set(alias, state.get(primary)!);
    return state;
  }

  /**
   * Copies values into this module's tensors (in place, so optimizers keep
   * their references). strict: throw unless keys and shapes match exactly.
   */
  loadStateDict(source: Map<string, Tensor>, options: { strict?: boolean } = {}): LoadReport {
    source = this.#resolveAliases(source);
    const own = this.stateDict();
    for (const [alias] of this.aliasedKeys()) own.delete(alias);
    const report: LoadReport = { missing: [], unexpected: [], mismatched: [], loaded: [] };
    for (const key of own.keys()) if (!source.has(key)) report.missing.push(key);
    for (const [key, value] of source) {
      const target = own.get(key);
      if (target === undefined) report.unexpected.push(key);
      else if (target.shape.join(',') !== value.shape.join(',')) {
        report.mismatched.push({ key, expected: target.shape, got: value.shape });
      }
    }
    if ((options.strict ?? true) && (report.missing.length || report.unexpected.length || report.mismatched.length)) {
      throw new Error(`loadStateDict: ${describeReport(report)}`);
    }
    T.noGrad(() => {
      for (const [key, target] of own) {
        const value = source.get(key);
        if (value === undefined || target.shape.join(',') !== value.shape.join(',')) continue;
        T.tidy(() => target.copy_(value));
        report.loaded.push(key);
      }
    });
    return report;
  }

  /** A source whose aliased entries are folded onto their primary keys: either name may be given, or both when equal. */
  #resolveAliases(source: Map<string, Tensor>): Map<string, Tensor> {
    const pairs = this.aliasedKeys();
    if (pairs.length === 0) return source;
    const resolved = new Map(source);
    for (const [alias, primary] of pairs) {
      const a = resolved.get(alias);
      if (a === undefined) continue;
      const p = resolved.get(primary);
      if (p === undefined) resolved.set(primary, a);
      else if (p.shape.join() !== a.shape.join() || T.tidy(() => p.sub(a).abs().max().item()) !== 0) {
        throw new Error(`loadStateDict: '${alias}' and '${primary}' name one shared module but hold different values`);
      }
      resolved.delete(alias);
    }
    return resolved;
  }

  train(mode = true): this {
    for (const [, m] of this.modules()) m.training = mode;
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /** Stops (or restarts) gradients for every parameter. */
  requiresGrad_(requires: boolean): this {
    for (const p of this.parameters()) p.requiresGrad_(requires);
    return this;
  }

  numParameters(options: { trainableOnly?: boolean } = {}): number {
    let n = 0;
    for (const p of this.parameters()) {
      if (options.trainableOnly && !p.requiresGrad) continue;
      n += p.shape.reduce((a, b) => a * b, 1);
    }
    return n;
  }

  /** Moves or casts every parameter and buffer in place (tensor identities are kept). */
  to(device?: T.Device, dtype?: T.DType): this {
    T.noGrad(() => {
      for (const t of [...this.parameters(), ...this.namedBuffers().map(([, b]) => b)]) {
        const floating = t.dtype.startsWith('float') || t.dtype === 'bfloat16';
        T.tidy(() => t.setData(t.to(floating ? dtype : undefined, device)));
      }
    });
    return this;
  }

  zeroGrad(): void {
    for (const p of this.parameters()) p.zeroGrad();
  }

  /** Frees every parameter and buffer; the module is unusable afterwards. */
  dispose(): void {
    for (const t of this.parameters()) t.dispose();
    for (const [, b] of this.namedBuffers()) b.dispose();
  }
}

export function describeReport(report: LoadReport): string {
  const parts: string[] = [];
  const list = (keys: string[]) => keys.slice(0, 8).join(', ') + (keys.length > 8 ? `, … (${keys.length} in all)` : '');
  if (report.missing.length) parts.push(`missing keys: ${list(report.missing)}`);
  if (report.unexpected.length) parts.push(`unexpected keys: ${list(report.unexpected)}`);
  if (report.mismatched.length) {
    parts.push(
      `shape mismatches: ${report.mismatched
        .slice(0, 8)
        .map((m) => `${m.key} (model ${m.expected.join('×')}, checkpoint ${m.got.join('×')})`)
        .join(', ')}`,
    );
  }
  return parts.join('; ') || 'all keys match';
}
