import { common, ingestion } from '@cityml/proto';
import { encodeIngestRowsRequest } from '@cityml/sdk';
import { decodeIngestRowsRequest } from './rows/wire';
import { parseTimestamp, TimeZone } from './rows/values';
import { CategoryCounts } from './stats/categories';
import { KLL_RANK_ERROR, KllSketch } from './stats/kll';
import { mergeMoments, momentsOf, stddev } from './stats/moments';

describe('the KLL sketch', () => {
  it('answers quantiles within its documented rank error, also after merges', () => {
    const n = 200_000;
    const values = Float64Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898) * 43758.5453 - Math.floor(Math.sin(i * 12.9898) * 43758.5453));
    const parts = [0, 1, 2, 3].map((k) => {
      const s = new KllSketch();
      s.addAll(values.subarray((k * n) / 4, ((k + 1) * n) / 4));
      return KllSketch.from(JSON.parse(JSON.stringify(s.toState())));
    });
    const merged = parts.reduce((a, b) => (a.merge(b), a));
    const sorted = Float64Array.from(values).sort();
    expect(merged.n).toBe(n);
    for (const q of [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99]) {
      const v = merged.quantile(q);
      const rank = (sorted.findIndex((x) => x > v) === -1 ? n : sorted.findIndex((x) => x > v)) / n;
      expect(Math.abs(rank - q)).toBeLessThanOrEqual(KLL_RANK_ERROR);
    }
  });

  it('is exact below its capacity', () => {
    const s = new KllSketch();
    s.addAll([5, 1, 4, 2, 3]);
    expect(s.quantiles([0.2, 0.5, 1])).toEqual([1, 3, 5]);
  });
});

describe('mergeable moments and category counts', () => {
  it('merge to the moments of the concatenated values', () => {
    const a = Float64Array.from([1, 2, 3, 4]);
    const b = Float64Array.from([10, 20]);
    const m = mergeMoments(momentsOf(a, new Uint8Array(4), 4), momentsOf(b, new Uint8Array(2), 2));
    const all = momentsOf(Float64Array.from([1, 2, 3, 4, 10, 20]), new Uint8Array(6), 6);
    expect(m.shift + m.mean).toBeCloseTo(all.shift + all.mean, 12);
    expect(stddev(m)).toBeCloseTo(stddev(all), 12);
    expect([m.min, m.max, m.n]).toEqual([1, 20, 6]);
  });

  it('estimate the distinct count with HyperLogLog past the exact cap', () => {
    const c = new CategoryCounts();
    for (let i = 0; i < 50_000; i++) c.add(`v${i}`, 1);
    c.prune();
    expect(c.exact).toBe(false);
    expect(Math.abs(c.distinct() - 50_000) / 50_000).toBeLessThan(0.05);
  });
});

describe('the IngestRows wire codec', () => {
  it('decodes what the generated encoder writes, and the SDK encoder writes what the generated decoder reads', () => {
    const T = common.ColumnType;
    const msg: ingestion.IngestRowsRequest = {
      dataset: 'd',
      batchId: 'b',
      policy: 2,
      maxReportedErrors: 5,
      sourceLines: [2, 3, 4],
      rows: {
        rowCount: 3,
        columns: [
          { name: 'x', type: T.COLUMN_TYPE_NUMBER, nulls: Buffer.from([2]), numbers: [1.5, 0, -1e300], integers: [], booleans: [], strings: [], timestamps: [] },
          { name: 'i', type: T.COLUMN_TYPE_INTEGER, nulls: Buffer.alloc(0), numbers: [], integers: [-9007199254740991, 0, 9007199254740991], booleans: [], strings: [], timestamps: [] },
          { name: 't', type: T.COLUMN_TYPE_TIMESTAMP, nulls: Buffer.alloc(0), numbers: [], integers: [], booleans: [], strings: [], timestamps: [-8000000000000000, 0, 1709294400123456] },
          { name: 'b', type: T.COLUMN_TYPE_BOOLEAN, nulls: Buffer.alloc(0), numbers: [], integers: [], booleans: [true, false, true], strings: [], timestamps: [] },
          { name: 's', type: T.COLUMN_TYPE_TEXT, nulls: Buffer.alloc(0), numbers: [], integers: [], booleans: [], strings: ['a', 'ü北', ''], timestamps: [] },
        ],
      },
    };
    const generated = Buffer.from(ingestion.IngestRowsRequest.encode(msg).finish());
    const fast = decodeIngestRowsRequest(generated);
    expect(fast).toMatchObject({ dataset: 'd', batchId: 'b', policy: 2, maxReportedErrors: 5 });
    expect([...fast.sourceLines]).toEqual([2, 3, 4]);
    const cols = fast.rows!.columns;
    expect([...cols[0].numbers]).toEqual([1.5, 0, -1e300]);
    expect([...cols[0].nulls]).toEqual([2]);
    expect([...cols[1].integers]).toEqual([-9007199254740991, 0, 9007199254740991]);
    expect([...cols[2].timestamps]).toEqual([-8000000000000000, 0, 1709294400123456]);
    expect([...cols[3].booleans]).toEqual([1, 0, 1]);
    expect(cols[4].strings).toEqual(['a', 'ü北', '']);
    expect(ingestion.IngestRowsRequest.decode(encodeIngestRowsRequest(msg))).toEqual(msg);
  });
});

describe('timestamp parsing', () => {
  const ny = new TimeZone('America/New_York');
  it('honours offsets and reads local times in the dataset time zone across DST', () => {
    expect(parseTimestamp('2024-03-01T12:00:00.5+02:00', ny)).toBe(Date.parse('2024-03-01T10:00:00.5Z') * 1000);
    expect(parseTimestamp('2024-01-15 08:00', ny)).toBe(Date.parse('2024-01-15T13:00:00Z') * 1000);
    expect(parseTimestamp('2024-07-15 08:00', ny)).toBe(Date.parse('2024-07-15T12:00:00Z') * 1000);
    expect(parseTimestamp('2024-07-15T08:00:00.123456Z', ny)).toBe(Date.parse('2024-07-15T08:00:00Z') * 1000 + 123456);
    expect(parseTimestamp('2024-02-30', ny)).toEqual({ error: expect.stringContaining('invalid date') });
    expect(parseTimestamp('yesterday', ny)).toEqual({ error: expect.stringContaining('unparseable') });
  });
});
