import { FormatError } from '../errors';
import { frameFromRows } from '../frame/from-rows';
import { sliceRows } from '../frame/ops';
import { applyTransform } from './apply';
import { fitTransform } from './fit';
import { deserializeTransform, serializeTransform } from './fitted';
import type { FeatureSpec } from './spec';

const spec: FeatureSpec = {
  task: 'classification',
  target: { column: 'kind' },
  timeZone: 'America/New_York',
  features: [
    { column: 'speed', steps: [{ kind: 'impute', strategy: 'median' }, { kind: 'clip', max: 120 }, { kind: 'standardize' }] },
    { column: 'lane', steps: [{ kind: 'impute', strategy: 'most_frequent' }, { kind: 'onehot', maxCategories: 3 }] },
    { column: 'at', steps: [{ kind: 'datetime', parts: ['hour', 'day_of_week'] }, { kind: 'weekend' }, { kind: 'holiday', calendar: 'us' }] },
    { column: 'note', steps: [{ kind: 'text', maxTokens: 4, mode: 'tfidf' }] },
  ],
};
const schema = { speed: 'number', lane: 'category', at: 'timestamp', note: 'text', kind: 'category' } as const;
const lanes = ['north', 'south', 'east', 'west', null];
const rows = Array.from({ length: 60 }, (_, i) => ({
  speed: i % 7 === 0 ? null : 20 + ((i * 37) % 150),
  lane: lanes[i % 5],
  at: new Date(Date.UTC(2024, 6, 1) + i * 5400_000).toISOString(),
  note: ['slow traffic', 'accident on ramp', 'clear', 'slow slow'][i % 4],
  kind: i % 3 === 0 ? 'car' : 'truck',
}));
const frame = frameFromRows(rows, schema);

describe('fitted transforms', () => {
  const fitted = fitTransform(spec, frame);

  it('encode class labels in sorted order and report the output width', () => {
    expect(fitted.target).toMatchObject({ kind: 'classes', classes: ['car', 'truck'] });
    expect(fitted.outputSize).toBe(2);
    const out = applyTransform(fitted, frame);
    expect(Array.from(out.y!.subarray(0, 3))).toEqual([0, 1, 1]);
    expect(out.shape).toEqual([60, fitted.featureNames.length]);
  });

  it('survive a JSON round trip and give the same features', () => {
    const back = deserializeTransform(serializeTransform(fitted));
    expect(back).toEqual(fitted);
    expect(applyTransform(back, frame).x).toEqual(applyTransform(fitted, frame).x);
  });

  it('refuse a serialized transform of another format version', () => {
    const text = serializeTransform({ ...fitted, formatVersion: 99 });
    expect(() => deserializeTransform(text)).toThrow(FormatError);
    expect(() => deserializeTransform('{}')).toThrow(FormatError);
  });

  it('transform rows the serving way exactly as at training', () => {
    const train = applyTransform(fitted, frame);
    const w = train.shape[1];
    for (const start of [0, 13, 59]) {
      const one = sliceRows(frame, start, start + 1);
      delete one.columns.kind;
      const served = applyTransform(fitted, one, { mode: 'serve' });
      const expected = train.x.subarray(start * w, (start + 1) * w);
      served.x.forEach((v, j) => expect(Math.abs(v - expected[j])).toBeLessThan(1e-6));
    }
  });

  it('send unseen categories to other and impute missing values as fitted', () => {
    const raw = frameFromRows([{ speed: null, lane: 'up', at: null, note: null }], schema);
    const out = applyTransform(fitted, raw, { mode: 'serve' });
    const at = (name: string) => out.x[out.featureNames.indexOf(name)];
    expect(at('lane=__other__')).toBe(1);
    const medianStep = fitted.columns[0].scalar[0] as { value: number };
    const std = fitted.columns[0].scalar[2] as { mean: number; std: number };
    expect(at('speed')).toBeCloseTo((Math.min(medianStep.value, 120) - std.mean) / std.std, 6);
  });

  it('drop training rows whose target is null', () => {
    const withNull = frameFromRows([...rows.slice(0, 3), { ...rows[3], kind: null }], schema);
    const out = applyTransform(fitted, withNull);
    expect(Array.from(out.rows!)).toEqual([0, 1, 2]);
  });

  it('fit and materialize a million rows quickly', () => {
    const n = 1_000_000;
    const cats = ['a', 'b', 'c', 'd', 'e', 'f'];
    const big = {
      rowCount: n,
      columns: {
        x1: { type: 'number' as const, values: Float64Array.from({ length: n }, (_, i) => (i * 7919) % 1000) },
        x2: { type: 'number' as const, values: Float64Array.from({ length: n }, (_, i) => i % 13) },
        x3: { type: 'integer' as const, values: Float64Array.from({ length: n }, (_, i) => i % 5) },
        c: { type: 'category' as const, values: Array.from({ length: n }, (_, i) => cats[i % 6]) },
        t: { type: 'timestamp' as const, values: Float64Array.from({ length: n }, (_, i) => (1.7e12 + i * 60_000) * 1000) },
        y: { type: 'number' as const, values: Float64Array.from({ length: n }, (_, i) => i % 100) },
      },
    };
    const bigSpec: FeatureSpec = {
      task: 'regression',
      target: { column: 'y', steps: [{ kind: 'standardize' }] },
      timeZone: 'Europe/Berlin',
      features: [
        { column: 'x1', steps: [{ kind: 'impute', strategy: 'median' }, { kind: 'standardize' }] },
        { column: 'x2', steps: [{ kind: 'minmax' }] },
        { column: 'x3', steps: [{ kind: 'onehot' }] },
        { column: 'c', steps: [{ kind: 'onehot' }] },
        { column: 't', steps: [{ kind: 'datetime', parts: ['hour', 'day_of_week'] }, { kind: 'weekend' }] },
      ],
    };
    const t0 = performance.now();
    const out = applyTransform(fitTransform(bigSpec, big), big);
    const seconds = (performance.now() - t0) / 1000;
    expect(out.shape).toEqual([n, 1 + 1 + 6 + 7 + 5]);
    expect(seconds).toBeLessThan(4); // the benchmark target is ~2 s (0.5 M rows/s)
  });
});
