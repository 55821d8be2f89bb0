import { startTestPlatform, type TestPlatform } from '@cityml/platform/testing';
import type { common } from '@cityml/proto';
import { rowBatch } from './testing/rows';

jest.setTimeout(60_000);

let t: TestPlatform;
beforeAll(async () => {
  t = await startTestPlatform({ services: ['preprocessing'] });
});
afterAll(() => t.stop());

const speed = [10, null, 30, 50, 20, -4];
const y = [1, 2, 3, 4, 5, 6];
const road = ['a', 'b', 'a', null, 'c', 'zz'];

/** Previews `steps` on one feature column and returns each feature's column of values. */
async function features(column: string, steps: unknown[], rows: common.RowBatch, extra: Record<string, unknown> = {}) {
  const res = await t.client.preprocessing.previewTransform({ spec: { target: 'y', task: 'regression', features: [{ column, steps }], ...extra }, rows });
  const width = res.shape[1];
  const out: Record<string, number[]> = {};
  res.featureNames.forEach((name, j) => (out[name] = Array.from({ length: res.shape[0] }, (_, i) => res.values[i * width + j])));
  return { out, res };
}

const numeric = () => rowBatch({ speed: ['number', speed], y: ['number', y] });
const present = speed.filter((v): v is number => v !== null);
const mean = present.reduce((a, b) => a + b, 0) / present.length;

function expectClose(actual: number[], expected: number[]) {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((a, i) => expect(a).toBeCloseTo(expected[i], 5));
}

describe('every step computes what its definition says', () => {
  it('impute mean, median, most frequent and constant fill the null from the fitted rows', async () => {
    const sorted = [...present].sort((a, b) => a - b);
    const median = sorted.length % 2 ? sorted[(sorted.length - 1) / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
    const fill = (v: number) => speed.map((s) => (s === null ? v : s));
    expectClose((await features('speed', [{ impute: 'mean' }], numeric())).out.speed, fill(mean));
    expectClose((await features('speed', [{ impute: 'median' }], numeric())).out.speed, fill(median));
    const dup = rowBatch({ speed: ['number', [3, 9, 9, null, 3, 1]], y: ['number', y] });
    // 3 and 9 both appear twice: the smaller wins the tie.
    expectClose((await features('speed', [{ impute: 'most_frequent' }], dup)).out.speed, [3, 9, 9, 3, 3, 1]);
    expectClose((await features('speed', [{ impute: { strategy: 'constant', value: 7 } }], numeric())).out.speed, fill(7));
  });

  it('clip bounds values after imputation', async () => {
    const { out } = await features('speed', [{ impute: { strategy: 'constant', value: 100 } }, { clip: { min: 0, max: 40 } }], numeric());
    expectClose(out.speed, [10, 40, 30, 40, 20, 0]);
  });

  it('standardize uses the mean and population standard deviation', async () => {
    const std = Math.sqrt(present.reduce((s, v) => s + (v - mean) ** 2, 0) / present.length);
    const { out } = await features('speed', [{ impute: 'mean' }, 'standardize'], numeric());
    // the imputed row sits at the mean; the std is fitted after imputation (one more value at the mean)
    const imputed = speed.map((s) => (s === null ? mean : s));
    const std2 = Math.sqrt(imputed.reduce((s, v) => s + (v - mean) ** 2, 0) / imputed.length);
    expect(std2).toBeLessThan(std);
    expectClose(out.speed, imputed.map((v) => (v - mean) / std2));
  });

  it('min-max scales to [0, 1] with the fitted minimum and range', async () => {
    const { out } = await features('speed', [{ impute: { strategy: 'constant', value: 0 } }, 'min_max'], numeric());
    const v = speed.map((s) => s ?? 0);
    const min = Math.min(...v);
    const max = Math.max(...v);
    expectClose(out.speed, v.map((x) => (x - min) / (max - min)));
  });

  it('log1p is sign-preserving', async () => {
    const { out } = await features('speed', [{ impute: { strategy: 'constant', value: 0 } }, 'log1p'], numeric());
    expectClose(out.speed, speed.map((s) => Math.sign(s ?? 0) * Math.log(1 + Math.abs(s ?? 0))));
  });

  it('one-hot keeps the most frequent categories and sends the rest and nulls to "other"', async () => {
    const rows = rowBatch({ road: ['category', road], y: ['number', y] });
    const { out, res } = await features('road', [{ one_hot: { max_categories: 2 } }], rows);
    // counts: a 2, then b, c, zz once each: the tie goes to value order, so b is kept.
    expect(res.featureNames).toEqual(['road=a', 'road=b', 'road=__other__']);
    expect(out['road=a']).toEqual([1, 0, 1, 0, 0, 0]);
    expect(out['road=b']).toEqual([0, 1, 0, 0, 0, 0]);
    expect(out['road=__other__']).toEqual([0, 0, 0, 1, 1, 1]);
  });

  it('hash buckets one-hot the FNV-1a hash of the value', async () => {
    const fnv = (s: string) => {
      let h = 0x811c9dc5;
      for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
      return (h >>> 0) % 4;
    };
    const rows = rowBatch({ road: ['category', road.map((r) => r ?? 'a')], y: ['number', y] });
    const { out } = await features('road', [{ hash_buckets: 4 }], rows);
    road.forEach((r, i) => {
      const bucket = fnv(r ?? 'a');
      for (let b = 0; b < 4; b++) expect(out[`road#${b}`][i]).toBe(b === bucket ? 1 : 0);
    });
  });

  it('date-time parts are local to the time zone, raw or as sin / cos', async () => {
    const times = ['2026-03-07T04:30:00Z', '2026-07-03T16:00:00Z', '2026-12-31T23:59:00Z', '2026-11-26T15:00:00Z'];
    const rows = rowBatch({ ts: ['timestamp', times], y: ['number', [1, 2, 3, 4]] });
    const tz = 'America/New_York';
    const parts = (iso: string) => {
      const f = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', weekday: 'short' });
      const p = Object.fromEntries(f.formatToParts(new Date(iso)).map((x) => [x.type, x.value]));
      const [yy, mm, dd] = [Number(p.year), Number(p.month), Number(p.day)];
      const doy = (Date.UTC(yy, mm - 1, dd) - Date.UTC(yy, 0, 1)) / 86_400_000;
      const dow = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].indexOf(p.weekday);
      const yearDays = (Date.UTC(yy + 1, 0, 1) - Date.UTC(yy, 0, 1)) / 86_400_000;
      return { hour: Number(p.hour), dow, month: mm - 1, doy, yearDays };
    };
    const raw = await features('ts', [{ datetime_parts: { parts: ['hour', 'day_of_week', 'month', 'day_of_year'], cyclical: false } }], rows, { time_zone: tz });
    expect(raw.out.ts_hour).toEqual(times.map((x) => parts(x).hour));
    expect(raw.out.ts_day_of_week).toEqual(times.map((x) => parts(x).dow));
    expect(raw.out.ts_month).toEqual(times.map((x) => parts(x).month));
    expect(raw.out.ts_day_of_year).toEqual(times.map((x) => parts(x).doy));
    expect(raw.out.ts_hour[0]).toBe(23); // 04:30Z is 23:30 the day before in New York
    const cyc = await features('ts', [{ datetime_parts: { parts: ['hour', 'day_of_year'] } }], rows, { time_zone: tz });
    expectClose(cyc.out.ts_hour_sin, times.map((x) => Math.sin((2 * Math.PI * parts(x).hour) / 24)));
    expectClose(cyc.out.ts_hour_cos, times.map((x) => Math.cos((2 * Math.PI * parts(x).hour) / 24)));
    expectClose(cyc.out.ts_day_of_year_sin, times.map((x) => Math.sin((2 * Math.PI * parts(x).doy) / parts(x).yearDays)));
  });

  it('weekend and holiday flags follow local dates, listed holidays and the built-in US calendar', async () => {
    // local New York dates: Fri Mar 6, Fri Jul 3 (observed Independence Day), Thu Dec 31, Thu Nov 26 (Thanksgiving), Sat Mar 7
    const times = ['2026-03-07T04:30:00Z', '2026-07-03T16:00:00Z', '2026-12-31T23:59:00Z', '2026-11-26T15:00:00Z', '2026-03-07T16:00:00Z'];
    const rows = rowBatch({ ts: ['timestamp', times], y: ['number', [1, 2, 3, 4, 5]] });
    const us = await features('ts', [{ calendar_flags: { weekend: true, holiday: true } }], rows, { time_zone: 'America/New_York', holiday_calendar: 'us' });
    expect(us.out.ts_weekend).toEqual([0, 0, 0, 0, 1]);
    expect(us.out.ts_holiday).toEqual([0, 1, 0, 1, 0]);
    const listed = await features('ts', ['holiday'], rows, { time_zone: 'America/New_York', holidays: ['2026-03-06', '2026-12-31'] });
    expect(listed.out.ts_holiday).toEqual([1, 0, 1, 0, 0]);
  });

  it('text vectorization counts the top tokens (with bigrams) and weights them by TF-IDF', async () => {
    const docs = ['Pothole on Main St', 'pothole pothole again', 'street light out', 'Main st light'];
    const rows = rowBatch({ note: ['text', docs], y: ['number', [1, 2, 3, 4]] });
    const tokenize = (d: string, bigrams: boolean) => {
      const tok = d.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
      return bigrams ? [...tok, ...tok.slice(1).map((w, i) => `${tok[i]} ${w}`)] : tok;
    };
    const counts = new Map<string, number>();
    docs.flatMap((d) => tokenize(d, true)).forEach((w) => counts.set(w, (counts.get(w) ?? 0) + 1));
    const vocab = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 5).map((e) => e[0]);
    const bow = await features('note', [{ text: { vocabulary_size: 5, bigrams: true } }], rows);
    expect(bow.res.featureNames).toEqual(vocab.map((w) => `note:${w}`));
    for (const w of vocab) expect(bow.out[`note:${w}`]).toEqual(docs.map((d) => tokenize(d, true).filter((x) => x === w).length));
    expect(bow.out['note:main st']).toEqual([1, 0, 0, 1]);

    const tfidf = await features('note', [{ text: { vocabulary_size: 5, bigrams: true, weighting: 'tf_idf' } }], rows);
    const df = (w: string) => docs.filter((d) => tokenize(d, true).includes(w)).length;
    docs.forEach((d, i) => {
      const tf = vocab.map((w) => tokenize(d, true).filter((x) => x === w).length * (Math.log((1 + docs.length) / (1 + df(w))) + 1));
      const norm = Math.sqrt(tf.reduce((s, v) => s + v * v, 0)) || 1;
      vocab.forEach((w, j) => expect(tfidf.out[`note:${w}`][i]).toBeCloseTo(tf[j] / norm, 5));
    });
  });

  it('a classification target becomes class indices over the sorted labels', async () => {
    const rows = rowBatch({ speed: ['number', [1, 2, 3, 4]], kind: ['category', ['slow', 'fast', 'slow', 'jam']] });
    const res = await t.client.preprocessing.previewTransform({ spec: { target: 'kind', task: 'classification', features: [{ column: 'speed', steps: ['standardize'] }] }, rows });
    expect(res.classLabels).toEqual(['fast', 'jam', 'slow']);
    expect(res.targets).toEqual([2, 0, 2, 1]);
    expect(res.targetShape).toEqual([4, 1]);
  });
});
