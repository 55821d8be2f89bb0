import { PostgresArtifactStore } from '@cityml/db';
import { applyTransform, deserializeTransform, filterRows, type Frame, type FittedTransform } from '@cityml/ml';
import { startTestPlatform, type TestPlatform } from '@cityml/platform/testing';
import type { preprocessing as pb } from '@cityml/proto';
import { decodeTensor } from '@cityml/sdk';
import { FrameBuilder } from './rows';
import { createDataset, trafficRows } from './testing/datasets';
import { rowBatch } from './testing/rows';

jest.setTimeout(60_000);

let t: TestPlatform;
let artifacts: PostgresArtifactStore;
const HOUR = 3_600_000;
const START = Date.UTC(2026, 0, 5);
const iso = (h: number) => new Date(START + h * HOUR).toISOString();
const TEST = 192;

beforeAll(async () => {
  t = await startTestPlatform({ services: ['ingestion', 'preprocessing'] });
  artifacts = new PostgresArtifactStore(t.platform.database.db);
  const rows = trafficRows(2, 240, { gaps: true });
  // test period only: a road never seen in training, and missing speeds
  const [, ts] = rows.ts as [string, Date[]];
  const [, road] = rows.road as [string, (string | null)[]];
  const [, speed] = rows.speed as [string, (number | null)[]];
  ts.forEach((d, i) => {
    if (d.getTime() >= START + TEST * HOUR && i % 9 === 0) road[i] = 'birch';
    if (d.getTime() >= START + TEST * HOUR && i % 7 === 0) speed[i] = null;
  });
  await createDataset(t.client, 'parity', rowBatch(rows as never), { timeColumn: 'ts', timeZone: 'America/Chicago' });
});
afterAll(() => t.stop());

/** The raw rows of the version, as serving would receive them (RowBatch → Frame). */
async function rawFrame(): Promise<Frame> {
  const b = new FrameBuilder();
  for await (const r of t.client.ingestion.readRows({ dataset: 'parity' })) b.add(r.rows as never);
  return b.build();
}

async function materialized(spec: Record<string, unknown>): Promise<{ fs: pb.FeatureSet; fitted: FittedTransform; x: Float32Array }> {
  const created = await t.client.preprocessing.createFeatureSet({ dataset: 'parity', spec });
  const fs = await t.client.preprocessing.waitForFeatureSet(created.featureSet?.id as string);
  const fitted = deserializeTransform((await artifacts.getBuffer('default', fs.transformArtifactId)).toString('utf8'));
  const x = decodeTensor(await artifacts.getBuffer('default', (fs.test as pb.SplitTensors).xArtifactId));
  return { fs, fitted, x };
}

function expectSame(served: ArrayLike<number>, stored: ArrayLike<number>) {
  expect(served.length).toBe(stored.length);
  let worst = 0;
  for (let i = 0; i < stored.length; i++) worst = Math.max(worst, Math.abs(served[i] - stored[i]));
  expect(worst).toBeLessThanOrEqual(1e-6);
}

const split = { time: { validation_start: iso(144), test_start: iso(TEST) } };

describe('serving applies the fitted transform exactly as training materialized it', () => {
  it('tabular: raw test rows through applyTransform equal the stored test tensor, unseen roads in "other"', async () => {
    const { fs, fitted, x } = await materialized({
      target: 'flow',
      task: 'regression',
      scale_target: true,
      features: [
        { column: 'speed', steps: [{ impute: 'median' }, { clip: { min: 0, max: 60 } }, 'standardize'] },
        { column: 'road', steps: [{ one_hot: { max_categories: 3 } }] },
        { column: 'sensor', steps: [{ hash_buckets: 4 }] },
        { column: 'ts', steps: [{ datetime_parts: { parts: ['hour', 'day_of_week', 'month', 'day_of_year'] } }, 'weekend', 'holiday'] },
      ],
      holiday_calendar: 'us',
      split,
    });
    const raw = await rawFrame();
    const times = raw.columns.ts.values as Float64Array;
    const test = filterRows(raw, Array.from(times, (v) => v >= (START + TEST * HOUR) * 1000));
    const served = applyTransform(fitted, test, { mode: 'serve' });
    expect(served.shape).toEqual((fs.test as pb.SplitTensors).xShape);
    expectSame(served.x, x);
    const roads = test.columns.road.values as string[];
    const other = fs.featureNames.indexOf('road=__other__');
    const width = fs.featureNames.length;
    const birch = roads.map((r, i) => [r, i] as const).filter(([r]) => r === 'birch');
    expect(birch.length).toBeGreaterThan(0);
    for (const [, i] of birch) expect(x[i * width + other]).toBe(1);
  });

  it('forecast: the history before each test window, served, gives that window', async () => {
    const { fs, fitted, x } = await materialized({
      target: 'flow',
      task: 'forecast',
      features: [
        { column: 'speed', steps: [{ impute: 'mean' }, 'standardize'] },
        { column: 'ts', steps: [{ datetime_parts: { parts: ['hour', 'day_of_week'] } }] },
      ],
      forecast: { frequency: '1h', lags: [1, 2, 24], windows: [{ size: 6, function: 'mean' }, { size: 12, function: 'min' }], horizon: 3, group: 'sensor', fill: 'forward', seasonality: 24 },
      scale_target: true,
      split,
    });
    const raw = await rawFrame();
    const times = raw.columns.ts.values as Float64Array;
    const sensors = raw.columns.sensor.values as string[];
    const testStart = (START + TEST * HOUR) * 1000;
    const lookback = fitted.forecast?.lookback as number;
    expect(lookback).toBe(24);
    const width = fs.featureNames.length;
    let row = 0;
    let compared = 0;
    let skipped = 0;
    for (const g of ['s0', 's1']) {
      const mine = Array.from(times, (v, i) => v >= testStart && sensors[i] === g);
      const groupTimes = Array.from(times).filter((_, i) => mine[i]);
      const first = Math.min(...groupTimes);
      const last = Math.max(...groupTimes);
      const steps = (last - first) / (HOUR * 1000) + 1;
      const readings = new Set(groupTimes);
      for (let k = 0; k + lookback + 3 <= steps; k++, row++) {
        const origin = first + (lookback + k) * HOUR * 1000;
        // Serving forecasts from the step after the last reading it is given; a window whose
        // last step was a gap (filled and flagged in training) has no such history.
        if (!readings.has(origin - HOUR * 1000)) {
          skipped++;
          continue;
        }
        compared++;
        const history = filterRows(raw, Array.from(times, (v, i) => mine[i] && v < origin));
        const served = applyTransform(fitted, history, { mode: 'serve' });
        expect(served.shape).toEqual([1, width]);
        expect(served.origins?.[0]).toBe(origin);
        expectSame(served.x, x.subarray(row * width, (row + 1) * width));
      }
    }
    expect(row).toBe((fs.test as pb.SplitTensors).rows);
    expect(compared).toBeGreaterThan(30);
    expect(skipped).toBeLessThan(compared / 4);
    expect(fs.test?.persistenceArtifactId).toMatch(/^[0-9a-f]{64}$/);
    expect(fs.test?.seasonalNaiveArtifactId).toMatch(/^[0-9a-f]{64}$/);
  });
});
