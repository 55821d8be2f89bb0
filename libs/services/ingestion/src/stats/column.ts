import { common, ingestion } from '@cityml/proto';
import { CategoryCounts, type CategoryState } from './categories';
import { KLL_K, KLL_RANK_ERROR, KllSketch, type KllState } from './kll';
import { EMPTY_MOMENTS, meanOf, mergeMoments, momentsOf, stddev, type Moments } from './moments';

const T = common.ColumnType;

/** The mergeable statistics state of one column (stored as JSON with each version). */
export interface ColumnStatsState {
  name: string;
  type: common.ColumnType;
  count: number;
  nulls: number;
  moments?: Moments;
  sketch?: KllState;
  categories?: CategoryState;
  /** Length statistics of TEXT values, in Unicode code points. */
  text?: { n: number; min: number; max: number; sum: number };
}

/** Statistics of a version: every column's state. */
export interface StatsState {
  rowCount: number;
  columns: ColumnStatsState[];
}

/** The quantiles GetStatistics reports. */
export const REPORTED_QUANTILES = [0.05, 0.25, 0.5, 0.75, 0.95];
/** Top values reported per category column. */
export const TOP_K = 10;

/** One column of a batch, already validated: what the statistics are computed from. */
export interface StatsInput {
  name: string;
  type: common.ColumnType;
  /** 1 where the row is null or was rejected. */
  skip: Uint8Array;
  nullCount: number;
  values?: Float64Array;
  strings?: string[];
}

const isNumeric = (t: common.ColumnType) => t === T.COLUMN_TYPE_NUMBER || t === T.COLUMN_TYPE_INTEGER || t === T.COLUMN_TYPE_TIMESTAMP;

function codePoints(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xdc00 && c <= 0xdfff) n--;
  }
  return n;
}

/** The statistics of one batch's accepted rows (`rows` of them). */
export function batchStatistics(columns: StatsInput[], rows: number, rowCount: number): StatsState {
  return {
    rowCount: rows,
    columns: columns.map((c) => {
      const s: ColumnStatsState = { name: c.name, type: c.type, count: 0, nulls: c.nullCount };
      if (c.values) {
        s.moments = momentsOf(c.values, c.skip, rowCount);
        s.count = s.moments.n;
        if (isNumeric(c.type)) {
          const kept = new Float64Array(s.count);
          let k = 0;
          for (let i = 0; i < rowCount; i++) if (!c.skip[i]) kept[k++] = c.values[i];
          const sketch = new KllSketch();
          sketch.addAll(kept);
          s.sketch = sketch.toState();
        }
      } else if (c.strings) {
        const counts = new Map<string, number>();
        let n = 0;
        let min = Infinity;
        let max = -Infinity;
        let sum = 0;
        const text = c.type === T.COLUMN_TYPE_TEXT;
        for (let i = 0; i < rowCount; i++) {
          if (c.skip[i]) continue;
          const v = c.strings[i];
          n++;
          if (text) {
            const len = codePoints(v);
            sum += len;
            if (len < min) min = len;
            if (len > max) max = len;
          } else counts.set(v, (counts.get(v) ?? 0) + 1);
        }
        s.count = n;
        if (text) s.text = { n, min, max, sum };
        else {
          const cat = new CategoryCounts();
          for (const [v, k] of counts) cat.add(v, k);
          cat.prune();
          s.categories = cat.toState();
        }
      }
      return s;
    }),
  };
}

/** Statistics of no rows, for a schema. */
export function emptyStatistics(schema: common.Schema): StatsState {
  return batchStatistics(
    schema.columns.map((c) => ({ name: c.name, type: c.type, skip: new Uint8Array(0), nullCount: 0, ...(c.type === T.COLUMN_TYPE_CATEGORY || c.type === T.COLUMN_TYPE_TEXT ? { strings: [] } : { values: new Float64Array(0) }) })),
    0,
    0,
  );
}

function mergeColumn(a: ColumnStatsState, b: ColumnStatsState): ColumnStatsState {
  const out: ColumnStatsState = { name: a.name, type: a.type, count: a.count + b.count, nulls: a.nulls + b.nulls };
  if (a.moments || b.moments) out.moments = mergeMoments(a.moments ?? EMPTY_MOMENTS, b.moments ?? EMPTY_MOMENTS);
  if (a.sketch || b.sketch) {
    const s = a.sketch ? KllSketch.from(a.sketch) : new KllSketch();
    if (b.sketch) s.merge(KllSketch.from(b.sketch));
    out.sketch = s.toState();
  }
  if (a.categories || b.categories) {
    const c = a.categories ? CategoryCounts.from(a.categories) : new CategoryCounts();
    if (b.categories) c.merge(CategoryCounts.from(b.categories));
    out.categories = c.toState();
  }
  if (a.text || b.text) {
    const x = a.text ?? { n: 0, min: Infinity, max: -Infinity, sum: 0 };
    const y = b.text ?? { n: 0, min: Infinity, max: -Infinity, sum: 0 };
    out.text = { n: x.n + y.n, min: Math.min(x.min, y.min), max: Math.max(x.max, y.max), sum: x.sum + y.sum };
  }
  return out;
}

/** Merges a batch's statistics into the previous version's (columns matched by name). */
export function mergeStatistics(a: StatsState, b: StatsState): StatsState {
  const byName = new Map(b.columns.map((c) => [c.name, c]));
  return { rowCount: a.rowCount + b.rowCount, columns: a.columns.map((c) => (byName.has(c.name) ? mergeColumn(c, byName.get(c.name)!) : c)) };
}

const finite = (v: number) => (Number.isFinite(v) ? v : 0);

/** The reported statistics of one column (numbers and timestamps: timestamps in µs since the epoch). */
export function columnStatisticsProto(s: ColumnStatsState): ingestion.ColumnStatistics {
  const out: ingestion.ColumnStatistics = { name: s.name, type: s.type, count: s.count, nullCount: s.nulls };
  if (s.moments) {
    const m = s.moments;
    out.numeric = { min: finite(m.min), max: finite(m.max), mean: meanOf(m), stddev: stddev(m), quantiles: [], quantileRankError: 0, histogramEdges: [], histogramCounts: [] };
    if (s.sketch && s.sketch.n > 0) {
      const sketch = KllSketch.from(s.sketch);
      out.numeric.quantiles = sketch.quantiles(REPORTED_QUANTILES).map((value, i) => ({ q: REPORTED_QUANTILES[i], value }));
      out.numeric.quantileRankError = s.sketch.n < KLL_K ? 0 : KLL_RANK_ERROR;
      const edges = [m.min, ...sketch.quantiles([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]), m.max];
      out.numeric.histogramEdges = edges;
      out.numeric.histogramCounts = edges.slice(1).map((e, i) => Math.round((sketch.rank(e) - (i === 0 ? 0 : sketch.rank(edges[i]))) * s.sketch!.n));
    }
  }
  if (s.categories) {
    const c = CategoryCounts.from(s.categories);
    out.category = { distinctCount: c.distinct(), top: c.top(TOP_K).map(([value, count]) => ({ value, count })) };
  }
  if (s.text) {
    const t = s.text;
    out.text = { minLength: t.n ? t.min : 0, maxLength: t.n ? t.max : 0, meanLength: t.n ? t.sum / t.n : 0 };
  }
  return out;
}
