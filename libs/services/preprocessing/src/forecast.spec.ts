import { startTestPlatform, type TestPlatform } from '@cityml/platform/testing';
import type { common } from '@cityml/proto';
import { rowBatch } from './testing/rows';

jest.setTimeout(60_000);

let t: TestPlatform;
beforeAll(async () => {
  t = await startTestPlatform({ services: ['preprocessing'] });
});
afterAll(() => t.stop());

const H = 3_600_000;
const at = (h: number, minutes = 0) => new Date(Date.UTC(2026, 0, 5) + h * H + minutes * 60_000);

async function windows(forecast: Record<string, unknown>, rows: common.RowBatch, features: unknown[] = []) {
  const res = await t.client.preprocessing.previewTransform({ spec: { target: 'flow', task: 'forecast', features, forecast: { frequency: '1h', time_column: 'ts', ...forecast } }, rows });
  const per = res.shape.slice(1).reduce((a, b) => a * b, 1);
  const x = Array.from({ length: res.shape[0] }, (_, i) => res.values.slice(i * per, (i + 1) * per));
  const h = res.targetShape[1] ?? 0;
  const y = Array.from({ length: res.shape[0] }, (_, i) => res.targets.slice(i * h, (i + 1) * h));
  return { res, x, y };
}

describe('forecast resampling, gap filling and windows', () => {
  // hours 0..5 with hour 2 missing and two readings in hour 4 (10 and 20 → mean 15)
  const series = () =>
    rowBatch({
      ts: ['timestamp', [at(0), at(1), at(3), at(4, 10), at(4, 40), at(5)]],
      flow: ['number', [1, 2, 6, 10, 20, 30]],
    });
  const rawMean = (1 + 2 + 6 + 10 + 20 + 30) / 6;

  /** The resampled series, read back from lag-1 windows: x = [z[o-1], gap[o-1]], y = z[o]. */
  async function resampled(fill: string) {
    const { x, y } = await windows({ fill, lags: [1], horizon: 1 }, series());
    return { values: [x[0][0], ...y.map((v) => v[0])], gaps: [...x.map((r) => r[1]), 0] };
  }

  it('resamples to the frequency (mean of a step) and fills gaps by the declared method, flagging them', async () => {
    const forward = await resampled('forward');
    expect(forward.values).toEqual([1, 2, 2, 6, 15, 30]);
    expect(forward.gaps).toEqual([0, 0, 1, 0, 0, 0]);
    expect((await resampled('linear')).values).toEqual([1, 2, 4, 6, 15, 30]);
    expect((await resampled('zero')).values).toEqual([1, 2, 0, 6, 15, 30]);
    const mean = await resampled('mean');
    expect(mean.values[2]).toBeCloseTo(rawMean, 5);
  });

  const twoSensors = () => {
    const ts: Date[] = [];
    const flow: number[] = [];
    const sensor: string[] = [];
    // sensor b first (groups keep their order of first appearance), 5 hours; sensor a, 6 hours
    const add = (h: number, base: number, s: string) => {
      ts.push(at(h));
      flow.push(base + h);
      sensor.push(s);
    };
    for (let h = 0; h < 5; h++) add(h, 200, 'b');
    for (let h = 0; h < 6; h++) add(h, 100, 'a');
    return rowBatch({ ts: ['timestamp', ts], flow: ['number', flow], sensor: ['category', sensor] });
  };

  it('builds flat windows per group: lags, rolling stats and the gap flag, never mixing sensors', async () => {
    const { res, x, y } = await windows({ lags: [1, 2], windows: [{ size: 2, function: 'max' }], horizon: 2, group: 'sensor' }, twoSensors());
    expect(res.featureNames).toEqual(['lag_1', 'lag_2', 'roll_max_2', 'was_gap']);
    // lookback 2 and horizon 2: b has 5 - 2 - 2 + 1 = 2 windows, a has 3
    expect(res.shape).toEqual([5, 4]);
    const expected: [number, number][] = [];
    for (const [base, n] of [[200, 5], [100, 6]]) for (let o = 2; o + 2 <= n; o++) expected.push([base, o]);
    expected.forEach(([base, o], i) => {
      expect(x[i]).toEqual([base + o - 1, base + o - 2, base + o - 1, 0]);
      expect(y[i]).toEqual([base + o, base + o + 1]);
    });
  });

  it('answers INVALID_ARGUMENT naming the horizon when no series is long enough', async () => {
    const err = await windows({ lags: [1, 2], horizon: 5, group: 'sensor' }, twoSensors()).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 3, details: [{ field: 'spec.forecast.horizon' }] });
  });

  it('builds sequence windows per group: [n, steps, features]', async () => {
    const { res, x, y } = await windows({ layout: 'sequence', sequence_length: 3, horizon: 1, group: 'sensor' }, twoSensors(), [
      { column: 'ts', steps: [{ datetime_parts: { parts: ['hour'], cyclical: false } }] },
    ]);
    expect(res.featureNames).toEqual(['target', 'was_gap', 'ts_hour']);
    // lookback 3, horizon 1: b has 2 windows, a has 3
    expect(res.shape).toEqual([5, 3, 3]);
    const expected: [number, number][] = [];
    for (const [base, n] of [[200, 5], [100, 6]]) for (let o = 3; o + 1 <= n; o++) expected.push([base, o]);
    expected.forEach(([base, o], i) => {
      const steps = [o - 3, o - 2, o - 1].flatMap((r) => [base + r, 0, r]);
      expect(x[i]).toEqual(steps);
      expect(y[i]).toEqual([base + o]);
    });
  });
});
