/**
 * A KLL quantile sketch (Karnin, Lang, Liberty 2016) over doubles: mergeable, so each
 * batch's sketch is built once at its commit and merged into the version's.
 *
 * Error bound: with k = {@link KLL_K} = 200 the rank of a returned quantile differs from
 * the requested rank by at most {@link KLL_RANK_ERROR} = 1.33% of the count with 99%
 * confidence (the single-sided bound 2.296 / k^0.9723 of Apache DataSketches' KLL, whose
 * compaction scheme this follows: capacities shrinking by 2/3 per level, random
 * keep-odd/keep-even halving). Below k·(2/3)^0 values nothing is compacted and
 * quantiles are exact.
 */
export const KLL_K = 200;
/** Normalized rank error of {@link KllSketch} quantiles (fraction of the count). */
export const KLL_RANK_ERROR = 2.296 / Math.pow(KLL_K, 0.9723);

/** The serialized form stored with a version's statistics. */
export interface KllState {
  n: number;
  levels: number[][];
}

/** Deterministic xorshift32 for the compaction coin, so results are reproducible. */
let seed = 0x9e3779b9;
function coin(): number {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) & 1;
}

export class KllSketch {
  n = 0;
  private levels: number[][] = [[]];
  private size = 0;

  static from(state: KllState): KllSketch {
    const s = new KllSketch();
    s.n = state.n;
    s.levels = state.levels.map((l) => l.slice());
    if (!s.levels.length) s.levels = [[]];
    s.size = s.levels.reduce((a, l) => a + l.length, 0);
    return s;
  }

  toState(): KllState {
    return { n: this.n, levels: this.levels.map((l) => l.slice()) };
  }

  private capacity(h: number): number {
    const depth = this.levels.length - 1 - h;
    return Math.max(2, Math.ceil(KLL_K * Math.pow(2 / 3, depth)));
  }

  private totalCapacity(): number {
    let c = 0;
    for (let h = 0; h < this.levels.length; h++) c += this.capacity(h);
    return c;
  }

  /**
   * Adds every value of `values` (NaN-free) in bulk: the values are sorted natively and
   * appended to level 0, then levels are compacted until the sketch fits. Compacting a
   * long sorted level at once adds no more rank error than compacting it piecewise.
   */
  addAll(values: ArrayLike<number>, count = values.length): void {
    if (!count) return;
    const sorted = (values instanceof Float64Array ? values.slice(0, count) : Float64Array.from(values).subarray(0, count)).sort();
    const l0 = this.levels[0];
    for (let i = 0; i < count; i++) l0.push(sorted[i]);
    this.size += count;
    this.n += count;
    while (this.size >= this.totalCapacity()) this.compress();
  }

  /** Merges `other` into this sketch. */
  merge(other: KllSketch): void {
    while (this.levels.length < other.levels.length) this.levels.push([]);
    for (let h = 0; h < other.levels.length; h++) for (const v of other.levels[h]) this.levels[h].push(v);
    this.size += other.size;
    this.n += other.n;
    while (this.size >= this.totalCapacity()) this.compress();
  }

  private compress(): void {
    for (let h = 0; h < this.levels.length; h++) {
      const level = this.levels[h];
      if (level.length < this.capacity(h)) continue;
      if (h + 1 === this.levels.length) this.levels.push([]);
      const sorted = Float64Array.from(level).sort();
      const keepOne = sorted.length % 2 === 1 ? sorted[sorted.length - 1] : undefined;
      const even = sorted.length - (keepOne === undefined ? 0 : 1);
      const up = this.levels[h + 1];
      for (let i = coin(); i < even; i += 2) up.push(sorted[i]);
      level.length = even;
      this.size -= level.length / 2; // level.length is even here: half of it moved up
      this.levels[h] = keepOne === undefined ? [] : [keepOne];
      return;
    }
  }

  /** Sorted (value, cumulative weight) pairs. */
  private cdf(): { values: Float64Array; cum: Float64Array } {
    const pairs: [number, number][] = [];
    this.levels.forEach((l, h) => l.forEach((v) => pairs.push([v, 2 ** h])));
    pairs.sort((a, b) => a[0] - b[0]);
    const values = new Float64Array(pairs.length);
    const cum = new Float64Array(pairs.length);
    let c = 0;
    pairs.forEach(([v, w], i) => ((values[i] = v), (cum[i] = c += w)));
    return { values, cum };
  }

  /** The value at rank `q` (0..1); NaN when empty. */
  quantile(q: number): number {
    return this.quantiles([q])[0];
  }

  quantiles(qs: number[]): number[] {
    const { values, cum } = this.cdf();
    if (!values.length) return qs.map(() => NaN);
    const total = cum[cum.length - 1];
    return qs.map((q) => {
      const target = Math.max(1, Math.ceil(q * total));
      let lo = 0;
      let hi = cum.length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (cum[mid] >= target) hi = mid;
        else lo = mid + 1;
      }
      return values[lo];
    });
  }

  /** Estimated fraction of values ≤ v. */
  rank(v: number): number {
    let w = 0;
    let total = 0;
    this.levels.forEach((l, h) => {
      for (const x of l) {
        total += 2 ** h;
        if (x <= v) w += 2 ** h;
      }
    });
    return total ? w / total : 0;
  }
}
