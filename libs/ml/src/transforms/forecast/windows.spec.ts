import { SpecError } from '../../errors';
import { frameFromRows } from '../../frame/from-rows';
import { filterRows } from '../../frame/ops';
import { applyTransform } from '../apply';
import { buildFeatureSet } from '../feature-set';
import { fitTransform } from '../fit';
import type { FeatureSpec, ForecastSpec } from '../spec';

const H = 3600_000;
const t0 = Date.UTC(2024, 0, 1);
const schema = { at: 'timestamp', flow: 'number', sensor: 'category', temp: 'number' } as const;
/** Sensor a reads 0, 1, 2, … ; sensor b reads 100, 102, 104, … ; both hourly. */
function series(hours: number) {
  const rows = [];
  for (let h = 0; h < hours; h++) {
    rows.push({ at: new Date(t0 + h * H).toISOString(), flow: h, sensor: 'a', temp: h % 5 });
    rows.push({ at: new Date(t0 + h * H).toISOString(), flow: 100 + 2 * h, sensor: 'b', temp: h % 5 });
  }
  return frameFromRows(rows, schema);
}
const forecast: ForecastSpec = {
  timeColumn: 'at',
  frequencySeconds: 3600,
  groupColumn: 'sensor',
  fill: 'linear',
  lags: [1, 3],
  rolling: [{ window: 4, stats: ['mean', 'max'] }],
  horizon: 2,
  layout: 'flat',
};
const spec: FeatureSpec = { task: 'forecast', target: { column: 'flow' }, features: [{ column: 'temp', steps: [] }], forecast };
const row = (x: Float32Array, i: number, w: number) => Array.from(x.subarray(i * w, (i + 1) * w));

describe('forecast windows', () => {
  it('build flat windows per group from lags, rolling windows, the gap flag and columns', () => {
    const fitted = fitTransform(spec, series(10));
    const out = applyTransform(fitted, series(10));
    expect(out.featureNames).toEqual(['lag_1', 'lag_3', 'roll_mean_4', 'roll_max_4', 'was_gap', 'temp']);
    // lookback 4, horizon 2: origins 4..8 in each 10-step series
    expect(out.shape).toEqual([10, 6]);
    expect(out.groups).toEqual(['a', 'a', 'a', 'a', 'a', 'b', 'b', 'b', 'b', 'b']);
    const o = 4; // first window of sensor a predicts hours 4 and 5 from hours 0..3
    expect(row(out.x, 0, 6)).toEqual([o - 1, o - 3, (0 + 1 + 2 + 3) / 4, 3, 0, (o - 1) % 5]);
    expect(row(out.y!, 0, 2)).toEqual([4, 5]);
    const b = (h: number) => 100 + 2 * h;
    expect(row(out.x, 5, 6)).toEqual([b(3), b(1), (b(0) + b(1) + b(2) + b(3)) / 4, b(3), 0, 3]);
    expect(row(out.y!, 9, 2)).toEqual([b(8), b(9)]);
    expect(out.origins![0]).toBe((t0 + 4 * H) * 1000);
    expect(row(out.baselines!.persistence, 0, 2)).toEqual([3, 3]);
  });

  it('build sequence windows per group with per-step features', () => {
    const seqSpec: FeatureSpec = {
      ...spec,
      forecast: { ...forecast, lags: undefined, layout: 'sequence', sequenceLength: 3, rolling: [{ window: 2, stats: ['min'] }] },
    };
    const fitted = fitTransform(seqSpec, series(8));
    const out = applyTransform(fitted, series(8));
    expect(fitted.inputShape).toEqual([3, 4]);
    expect(out.featureNames).toEqual(['target', 'was_gap', 'roll_min_2', 'temp']);
    // lookback 3 + 2 - 1 = 4, horizon 2: origins 4..6 per group
    expect(out.shape).toEqual([6, 3, 4]);
    // first window of a: steps at hours 1, 2, 3
    expect(row(out.x, 0, 12)).toEqual([1, 0, 0, 1, 2, 0, 1, 2, 3, 0, 2, 3]);
    expect(row(out.y!, 0, 2)).toEqual([4, 5]);
  });

  it('give the seasonal-naive baseline from one season back', () => {
    const s = { ...spec, forecast: { ...forecast, seasonality: 5, horizon: 3 } };
    const out = applyTransform(fitTransform(s, series(12)), series(12));
    // origin 5 of sensor a: seasonal naive of hours 5, 6, 7 is hours 0, 1, 2
    expect(row(out.baselines!.seasonalNaive!, 0, 3)).toEqual([0, 1, 2]);
  });

  it('turn the history rows a request carries into the same input as training', () => {
    const s: FeatureSpec = {
      ...spec,
      target: { column: 'flow', steps: [{ kind: 'standardize' }] },
      timeZone: 'America/New_York',
      features: [
        { column: 'temp', steps: [{ kind: 'standardize' }] },
        { column: 'at', steps: [{ kind: 'datetime', parts: ['hour', 'day_of_week'] }] },
        { column: 'sensor', steps: [{ kind: 'onehot' }] },
      ],
    };
    for (const layout of ['flat', 'sequence'] as const) {
      const fs: FeatureSpec = layout === 'flat' ? s : { ...s, forecast: { ...forecast, lags: undefined, layout, sequenceLength: 5 } };
      const full = series(30);
      const fitted = fitTransform(fs, full);
      const train = applyTransform(fitted, full);
      const width = train.x.length / train.shape[0];
      const L = fitted.forecast!.lookback;
      for (const i of [0, 7, train.shape[0] - 1]) {
        const origin = train.origins![i] / 1000;
        const group = train.groups![i];
        const times = (full.columns.at.values as Float64Array).map((t) => t / 1000);
        const sensors = full.columns.sensor.values as string[];
        const history = filterRows(full, Array.from(times, (t, r) => sensors[r] === group && t < origin && t >= origin - L * H));
        const served = applyTransform(fitted, history, { mode: 'serve' });
        expect(served.shape[0]).toBe(1);
        expect(served.y).toBeUndefined();
        expect(served.x.length).toBe(width);
        const expected = train.x.subarray(i * width, (i + 1) * width);
        served.x.forEach((v, j) => expect(Math.abs(v - expected[j])).toBeLessThan(1e-6));
      }
    }
  });

  it('refuse to serve a group whose history is shorter than the lookback', () => {
    const fitted = fitTransform(spec, series(10));
    expect(() => applyTransform(fitted, series(3), { mode: 'serve' })).toThrow(/history covers 3 steps, the model needs 4/);
  });

  it('never cross a split boundary', () => {
    const split = { kind: 'time', column: 'at', trainBefore: new Date(t0 + 20 * H).toISOString(), validationBefore: new Date(t0 + 30 * H).toISOString() } as const;
    const set = buildFeatureSet({ ...spec, split }, series(40));
    const L = set.fitted.forecast!.lookback;
    const check = (part: typeof set.train, from: number, to: number) => {
      part.origins!.forEach((o) => {
        expect(o / 1000 - L * H).toBeGreaterThanOrEqual(t0 + from * H); // first input step
        expect(o / 1000 + (2 - 1) * H).toBeLessThan(t0 + to * H); // last target step
      });
    };
    check(set.train, 0, 20);
    check(set.validation, 20, 30);
    check(set.test, 30, 40);
    // 10-hour validation and test series: 10 - 4 - 2 + 1 = 5 windows per sensor
    expect(set.validation.shape[0]).toBe(10);
    expect(set.fitted.forecast!.targetMean).toBeCloseTo((9.5 + (100 + 2 * 9.5)) / 2, 9);
  });

  it('refuse a horizon longer than a split series, naming the horizon', () => {
    const split = { kind: 'time', column: 'at', trainBefore: new Date(t0 + 20 * H).toISOString(), validationBefore: new Date(t0 + 24 * H).toISOString() } as const;
    const build = () => buildFeatureSet({ ...spec, split }, series(40));
    expect(build).toThrow(SpecError);
    expect(build).toThrow(expect.objectContaining({ field: 'forecast.horizon' }));
  });
});
