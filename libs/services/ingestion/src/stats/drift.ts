import { common, ingestion } from '@cityml/proto';
import { CategoryCounts } from './categories';
import { KllSketch } from './kll';
import { meanOf } from './moments';
import type { ColumnStatsState, StatsState } from './column';

const T = common.ColumnType;
/** Default drift flag threshold for PSI and L-infinity. */
export const DEFAULT_DRIFT_THRESHOLD = 0.2;
const EPS = 1e-4;

/**
 * Population stability index of `target` against `base` over the base's decile bins
 * (from its quantile sketch): Σ (t − b)·ln(t / b), bin fractions floored at 1e-4.
 */
export function psi(base: KllSketch, target: KllSketch): number {
  if (!base.n || !target.n) return 0;
  const edges = [...new Set(base.quantiles([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]))];
  let sum = 0;
  let prevB = 0;
  let prevT = 0;
  for (let i = 0; i <= edges.length; i++) {
    const rb = i < edges.length ? base.rank(edges[i]) : 1;
    const rt = i < edges.length ? target.rank(edges[i]) : 1;
    const b = Math.max(rb - prevB, EPS);
    const t = Math.max(rt - prevT, EPS);
    sum += (t - b) * Math.log(t / b);
    prevB = rb;
    prevT = rt;
  }
  return sum;
}

/** L-infinity distance between two value-frequency distributions. */
export function linf(base: Map<string, number>, target: Map<string, number>): number {
  const tb = [...base.values()].reduce((a, b) => a + b, 0);
  const tt = [...target.values()].reduce((a, b) => a + b, 0);
  if (!tb || !tt) return 0;
  let max = 0;
  for (const v of new Set([...base.keys(), ...target.keys()])) {
    max = Math.max(max, Math.abs((base.get(v) ?? 0) / tb - (target.get(v) ?? 0) / tt));
  }
  return max;
}

function columnDrift(b: ColumnStatsState, t: ColumnStatsState, threshold: number): ingestion.ColumnDrift | undefined {
  let metric: string;
  let value: number;
  if (b.sketch && t.sketch) {
    metric = 'psi';
    value = psi(KllSketch.from(b.sketch), KllSketch.from(t.sketch));
  } else if (b.categories && t.categories) {
    metric = 'linf';
    value = linf(CategoryCounts.from(b.categories).counts, CategoryCounts.from(t.categories).counts);
  } else if (b.type === T.COLUMN_TYPE_BOOLEAN && b.moments && t.moments) {
    metric = 'linf';
    value = b.moments.n && t.moments.n ? Math.abs(meanOf(b.moments) - meanOf(t.moments)) : 0;
  } else return undefined;
  return { column: b.name, metric, value, drifted: value > threshold };
}

/** Drift per column between two versions' statistics (TEXT columns are not compared). */
export function compareStatistics(base: StatsState, target: StatsState, threshold = DEFAULT_DRIFT_THRESHOLD): ingestion.CompareVersionsResponse {
  const byName = new Map(target.columns.map((c) => [c.name, c]));
  const columns = base.columns.flatMap((c) => {
    const t = byName.get(c.name);
    const d = t && columnDrift(c, t, threshold);
    return d ? [d] : [];
  });
  return { columns, drifted: columns.some((c) => c.drifted) };
}
