export interface SeededRandomState {
  state: number;
  spareNormal: number | null;
}

/** A small deterministic generator (mulberry32): the same seed gives the same sequence everywhere. */
export class SeededRandom {
  private state: number;
  private spareNormal: number | undefined;

  constructor(seed: number) {
    this.state = Math.floor(seed) >>> 0;
  }

  /** The generator's position, JSON-safe, for checkpoints; `setState` resumes the sequence from it. */
  getState(): SeededRandomState {
    return { state: this.state, spareNormal: this.spareNormal ?? null };
  }

  setState(saved: SeededRandomState): void {
    this.state = saved.state >>> 0;
    this.spareNormal = saved.spareNormal ?? undefined;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  uniform(low: number, high: number): number {
    return low + (high - low) * this.next();
  }

  /** Integer in [0, n). */
  integer(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Standard normal (Box–Muller, using both values of each pair). */
  normal(): number {
    if (this.spareNormal !== undefined) {
      const value = this.spareNormal;
      this.spareNormal = undefined;
      return value;
    }
    const u = 1 - this.next();
    const v = this.next();
    const radius = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = radius * Math.sin(2 * Math.PI * v);
    return radius * Math.cos(2 * Math.PI * v);
  }

  /** Fisher–Yates shuffle into a new array. */
  shuffle<T>(items: readonly T[]): T[] {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.integer(i + 1);
      [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
  }
}
