/**
 * Category counts: exact value counts up to {@link CATEGORY_CAP} distinct values; past
 * the cap the most frequent values are kept (counts stay exact for them only while they
 * were never evicted) and the distinct count comes from a HyperLogLog (p = 12, standard
 * error 1.04/√4096 ≈ 1.6%).
 */
export const CATEGORY_CAP = 10_000;
const HLL_P = 12;
const HLL_M = 1 << HLL_P;

export interface CategoryState {
  /** [value, count] pairs. */
  counts: [string, number][];
  /** False once values were evicted past the cap. */
  exact: boolean;
  /** HyperLogLog registers (base64), maintained for every value. */
  hll: string;
}

function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export class CategoryCounts {
  counts = new Map<string, number>();
  exact = true;
  registers = new Uint8Array(HLL_M);

  static from(state: CategoryState): CategoryCounts {
    const c = new CategoryCounts();
    c.counts = new Map(state.counts);
    c.exact = state.exact;
    c.registers = new Uint8Array(Buffer.from(state.hll, 'base64'));
    return c;
  }

  toState(): CategoryState {
    return { counts: [...this.counts], exact: this.exact, hll: Buffer.from(this.registers).toString('base64') };
  }

  /** Adds `count` occurrences of `value`. */
  add(value: string, count: number): void {
    this.counts.set(value, (this.counts.get(value) ?? 0) + count);
    const h = hash32(value);
    const idx = h >>> (32 - HLL_P);
    const rest = (h << HLL_P) | (1 << (HLL_P - 1));
    const rho = Math.clz32(rest) + 1;
    if (rho > this.registers[idx]) this.registers[idx] = rho;
  }

  merge(other: CategoryCounts): void {
    for (const [v, c] of other.counts) this.counts.set(v, (this.counts.get(v) ?? 0) + c);
    for (let i = 0; i < HLL_M; i++) if (other.registers[i] > this.registers[i]) this.registers[i] = other.registers[i];
    this.exact &&= other.exact;
    this.prune();
  }

  /** Evicts the least frequent values past the cap. */
  prune(): void {
    if (this.counts.size <= CATEGORY_CAP) return;
    this.counts = new Map([...this.counts].sort((a, b) => b[1] - a[1]).slice(0, CATEGORY_CAP));
    this.exact = false;
  }

  distinct(): number {
    if (this.exact) return this.counts.size;
    let sum = 0;
    let zeros = 0;
    for (let i = 0; i < HLL_M; i++) {
      sum += 2 ** -this.registers[i];
      if (this.registers[i] === 0) zeros++;
    }
    const alpha = 0.7213 / (1 + 1.079 / HLL_M);
    let e = (alpha * HLL_M * HLL_M) / sum;
    if (e <= 2.5 * HLL_M && zeros) e = HLL_M * Math.log(HLL_M / zeros);
    return Math.max(this.counts.size, Math.round(e));
  }

  /** The `k` most frequent values, ties broken by value. */
  top(k: number): [string, number][] {
    return [...this.counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, k);
  }

  total(): number {
    let t = 0;
    for (const c of this.counts.values()) t += c;
    return t;
  }
}
