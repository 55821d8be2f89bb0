/**
 * Count, mean, sum of squared deviations, min and max: mergeable with Chan et al.'s
 * parallel algorithm, so a version's mean and sample standard deviation equal a single
 * pass over all its rows up to floating-point rounding. The mean is kept relative to a
 * `shift` (the first value seen) so that large magnitudes such as µs timestamps (~1e15)
 * lose no precision in the merge's mean difference.
 */
export interface Moments {
  n: number;
  /** Reference value; `mean` is relative to it. */
  shift: number;
  /** Mean minus shift. */
  mean: number;
  /** Sum of squared deviations from the mean. */
  m2: number;
  min: number;
  max: number;
}

export const EMPTY_MOMENTS: Moments = Object.freeze({ n: 0, shift: 0, mean: 0, m2: 0, min: Infinity, max: -Infinity });

/** Moments of `values[i]` for the rows where `skip[i]` is 0 (two passes: exact and stable). */
export function momentsOf(values: Float64Array, skip: Uint8Array, count: number): Moments {
  let n = 0;
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  let shift = NaN;
  for (let i = 0; i < count; i++) {
    if (skip[i]) continue;
    const v = values[i];
    if (n === 0) shift = v;
    n++;
    sum += v - shift;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (n === 0) return { ...EMPTY_MOMENTS };
  const mean = sum / n;
  let m2 = 0;
  for (let i = 0; i < count; i++) {
    if (skip[i]) continue;
    const d = values[i] - shift - mean;
    m2 += d * d;
  }
  return { n, shift, mean, m2, min, max };
}

/** Chan's merge of two moment sets (the result keeps `a`'s shift). */
export function mergeMoments(a: Moments, b: Moments): Moments {
  if (a.n === 0) return { ...b };
  if (b.n === 0) return { ...a };
  const n = a.n + b.n;
  const delta = b.shift - a.shift + b.mean - a.mean;
  const mean = a.mean + (delta * b.n) / n;
  const m2 = a.m2 + b.m2 + (delta * delta * a.n * b.n) / n;
  return { n, shift: a.shift, mean, m2, min: Math.min(a.min, b.min), max: Math.max(a.max, b.max) };
}

/** The mean. */
export const meanOf = (m: Moments): number => (m.n ? (m.shift ?? 0) + m.mean : 0);

/** Sample standard deviation (n − 1); 0 for fewer than two values. */
export function stddev(m: Moments): number {
  return m.n > 1 ? Math.sqrt(m.m2 / (m.n - 1)) : 0;
}
