import { startTestPlatform, type TestPlatform } from '@cityml/platform/testing';
import { rowBatchFromRecords } from '@cityml/sdk';
import { col, T } from './testing';
import { KLL_RANK_ERROR } from './stats/kll';

const schema = {
  columns: [col('at', T.COLUMN_TYPE_TIMESTAMP), col('x', T.COLUMN_TYPE_NUMBER), col('n', T.COLUMN_TYPE_INTEGER), col('zone', T.COLUMN_TYPE_CATEGORY), col('note', T.COLUMN_TYPE_TEXT), col('ok', T.COLUMN_TYPE_BOOLEAN)],
  timeColumn: 'at',
  timeZone: '',
};

let seed = 7;
const rnd = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
const ZONES = ['north', 'south', 'east', 'west'];

function records(n: number, shift = 0) {
  return Array.from({ length: n }, (_, i) => ({
    at: 1_700_000_000_000_000 + i * 1_000_000,
    x: i % 17 === 0 ? null : rnd() * 10 + shift,
    n: Math.floor(rnd() * 100),
    zone: shift ? 'west' : ZONES[Math.floor(rnd() ** 2 * 4)],
    note: i % 5 === 0 ? null : 'é'.repeat(i % 9) + '🚲',
    ok: i % 3 === 0,
  }));
}

/** What the test computes itself: count, nulls, min, max, mean, sample stddev, sorted values. */
function expected(values: (number | null)[]) {
  const xs = values.filter((v): v is number => v !== null);
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1));
  return { count: xs.length, nulls: values.length - xs.length, min: Math.min(...xs), max: Math.max(...xs), mean, sd, sorted: [...xs].sort((a, b) => a - b) };
}

/** Fraction of values ≤ v. */
const rankOf = (sorted: number[], v: number) => sorted.filter((x) => x <= v).length / sorted.length;

describe('statistics per version', () => {
  let t: TestPlatform;
  const all: ReturnType<typeof records> = [];
  beforeAll(async () => {
    t = await startTestPlatform({ services: ['ingestion'] });
    await t.client.ingestion.createDataset({ name: 'stats', schema });
  });
  afterAll(async () => {
    await t?.stop();
  });

  async function check(version: number) {
    const s = await t.client.ingestion.getStatistics('stats', version);
    expect(s.rowCount).toBe(all.length);
    const byName = Object.fromEntries(s.columns.map((c) => [c.name, c]));
    for (const name of ['x', 'n', 'at'] as const) {
      const e = expected(all.map((r) => r[name]));
      const c = byName[name];
      expect(c.count).toBe(e.count);
      expect(c.nullCount).toBe(e.nulls);
      expect(c.numeric!.min).toBe(e.min);
      expect(c.numeric!.max).toBe(e.max);
      expect(Math.abs(c.numeric!.mean - e.mean) / Math.abs(e.mean)).toBeLessThan(1e-12);
      expect([name, Math.abs(c.numeric!.stddev / e.sd - 1) < 1e-12]).toEqual([name, true]);
      for (const q of c.numeric!.quantiles) {
        // The sketch's answer has a rank within the documented error of the requested rank.
        expect(Math.abs(rankOf(e.sorted, q.value) - q.q)).toBeLessThanOrEqual(Math.max(c.numeric!.quantileRankError, 1 / e.count) + 1 / e.count);
      }
    }
    const zones = new Map<string, number>();
    for (const r of all) zones.set(r.zone, (zones.get(r.zone) ?? 0) + 1);
    expect(byName.zone.category!.distinctCount).toBe(zones.size);
    expect(byName.zone.category!.top).toEqual([...zones].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([value, count]) => ({ value, count })));
    const lengths = all.filter((r) => r.note !== null).map((r) => [...r.note!].length);
    expect(byName.note.text).toEqual({ minLength: Math.min(...lengths), maxLength: Math.max(...lengths), meanLength: expect.closeTo(lengths.reduce((a, b) => a + b, 0) / lengths.length, 9) });
    expect(byName.note.nullCount).toBe(all.length - lengths.length);
    expect(byName.ok.numeric!.mean).toBeCloseTo(all.filter((r) => r.ok).length / all.length, 12);
  }

  it('computes exact moments, counts and lengths of one batch and quantiles within the documented rank error', async () => {
    const batch = records(3000);
    all.push(...batch);
    await t.client.ingestion.ingest('stats', [rowBatchFromRecords(schema, batch.slice(0, 1000)), rowBatchFromRecords(schema, batch.slice(1000))]);
    await check(1);
    expect(KLL_RANK_ERROR).toBeCloseTo(0.0133, 4);
  });

  it('merges the statistics of several batches into values equal to a pass over all rows', async () => {
    for (let k = 0; k < 3; k++) {
      const batch = records(700 + k * 311);
      all.push(...batch);
      await t.client.ingestion.ingest('stats', [rowBatchFromRecords(schema, batch)]);
    }
    await check(4);
    await check(0);
  });

  it('flags drift between versions with PSI for numbers and L-infinity for categories', async () => {
    const same = await t.client.ingestion.compareVersions({ dataset: 'stats', baseVersion: 1, targetVersion: 4 });
    for (const c of ['x', 'n', 'zone', 'ok']) expect(same.columns.find((d) => d.column === c)).toMatchObject({ drifted: false });
    expect(same.columns.find((c) => c.column === 'x')!.metric).toBe('psi');
    const shifted = records(20_000, 5);
    await t.client.ingestion.ingest('stats', [rowBatchFromRecords(schema, shifted)]);
    const res = await t.client.ingestion.compareVersions({ dataset: 'stats', baseVersion: 4, targetVersion: 5 });
    expect(res.drifted).toBe(true);
    expect(res.columns.find((c) => c.column === 'x')).toMatchObject({ metric: 'psi', drifted: true });
    const zone = res.columns.find((c) => c.column === 'zone')!;
    expect(zone.metric).toBe('linf');
    expect(zone.drifted).toBe(true);
    expect(res.columns.find((c) => c.column === 'n')).toMatchObject({ drifted: false });
    const strict = await t.client.ingestion.compareVersions({ dataset: 'stats', baseVersion: 4, targetVersion: 5, threshold: 100 });
    expect(strict.drifted).toBe(false);
  });
});
