import { frameFromRows, frameToRows } from '../frame/from-rows';
import { SpecError } from '../errors';
import { splitFrame } from './splits';
import { canonicalJson, specHash } from './spec-hash';
import { fitTransform } from './fit';
import { buildFeatureSet } from './feature-set';
import type { FeatureSpec } from './spec';

const hours = (n: number, start = Date.UTC(2024, 0, 1)) =>
  Array.from({ length: n }, (_, i) => ({ at: new Date(start + i * 3600_000).toISOString(), v: i, y: 2 * i }));
const schema = { at: 'timestamp', v: 'number', y: 'number' } as const;

describe('splits', () => {
  it('split randomly with a seed, reproducibly and into disjoint parts', () => {
    const frame = frameFromRows(hours(100), schema);
    const split = { kind: 'random', seed: 42, train: 0.7, validation: 0.15 } as const;
    const a = splitFrame(frame, split);
    const b = splitFrame(frame, split);
    const ids = (f: typeof a.train) => frameToRows(f).map((r) => r.v as number);
    expect(ids(a.train)).toEqual(ids(b.train));
    expect([a.train.rowCount, a.validation.rowCount, a.test.rowCount]).toEqual([70, 15, 15]);
    const all = [...ids(a.train), ...ids(a.validation), ...ids(a.test)].sort((x, y) => x - y);
    expect(all).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(ids(splitFrame(frame, { ...split, seed: 43 }).train)).not.toEqual(ids(a.train));
  });

  it('split by time with nothing after a boundary in an earlier part', () => {
    const frame = frameFromRows(hours(48), schema);
    const t1 = '2024-01-02T00:00:00Z';
    const parts = splitFrame(frame, { kind: 'time', column: 'at', trainBefore: t1, validationBefore: '2024-01-02T12:00:00Z' });
    const times = (f: typeof parts.train) => frameToRows(f).map((r) => Date.parse(r.at as string));
    expect(Math.max(...times(parts.train))).toBeLessThan(Date.parse(t1));
    expect(Math.min(...times(parts.validation))).toBeGreaterThanOrEqual(Date.parse(t1));
    expect(Math.min(...times(parts.test))).toBeGreaterThanOrEqual(Date.parse('2024-01-02T12:00:00Z'));
    expect([parts.train.rowCount, parts.validation.rowCount, parts.test.rowCount]).toEqual([24, 12, 12]);
  });

  it('fit statistics on the train part of a time split only', () => {
    const spec: FeatureSpec = {
      task: 'regression',
      target: { column: 'y', steps: [{ kind: 'standardize' }] },
      features: [{ column: 'v', steps: [{ kind: 'standardize' }] }],
      split: { kind: 'time', column: 'at', trainBefore: '2024-01-02T00:00:00Z', validationBefore: '2024-01-02T12:00:00Z' },
    };
    const set = buildFeatureSet(spec, frameFromRows(hours(48), schema));
    const step = set.fitted.columns[0].scalar[0];
    // train values are 0..23: their mean is 11.5, no validation or test value is in it
    expect(step).toMatchObject({ kind: 'standardize', mean: 11.5 });
    expect(set.fitted.target).toMatchObject({ steps: [{ kind: 'standardize', mean: 23 }] });
    expect(set.test.shape).toEqual([12, 1]);
    expect(fitTransform(spec, frameFromRows(hours(24), schema))).toEqual(set.fitted);
  });

  it('refuse an empty split, naming the split', () => {
    const frame = frameFromRows(hours(10), schema);
    const spec = { kind: 'time', column: 'at', trainBefore: '2025-01-01', validationBefore: '2025-02-01' } as const;
    expect(() => splitFrame(frame, spec)).toThrow(SpecError);
    expect(() => splitFrame(frame, spec)).toThrow(/validation split is empty/);
  });
});

describe('spec hashes', () => {
  it('ignore key order and undefined fields but see every value', () => {
    const a = { task: 'regression', target: { column: 'y', steps: undefined }, features: [{ column: 'x', steps: [] }] };
    const b = { features: [{ steps: [], column: 'x' }], target: { column: 'y' }, task: 'regression' };
    expect(specHash(a)).toBe(specHash(b));
    expect(specHash(a)).not.toBe(specHash({ ...b, task: 'classification' }));
    expect(canonicalJson(b)).toBe('{"features":[{"column":"x","steps":[]}],"target":{"column":"y"},"task":"regression"}');
  });
});
