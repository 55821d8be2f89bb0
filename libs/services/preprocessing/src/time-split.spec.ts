import { PostgresArtifactStore } from '@cityml/db';
import { deserializeTransform, type FittedScalarStep } from '@cityml/ml';
import { startTestPlatform, type TestPlatform } from '@cityml/platform/testing';
import type { preprocessing as pb } from '@cityml/proto';
import { decodeTensor } from '@cityml/sdk';
import { createDataset } from './testing/datasets';
import { rowBatch } from './testing/rows';

jest.setTimeout(60_000);

let t: TestPlatform;
let artifacts: PostgresArtifactStore;
const HOUR = 3_600_000;
const START = Date.UTC(2026, 0, 5);
const VAL = 144;
const TEST = 192;

// flow encodes its own hour (sensor 1 adds 1000), so every value in a window tells where it came from
const ts: Date[] = [];
const flow: number[] = [];
const sensor: string[] = [];
const speed: (number | null)[] = [];
for (let s = 0; s < 2; s++) {
  for (let h = 0; h < 240; h++) {
    ts.push(new Date(START + h * HOUR));
    flow.push(h + 1000 * s);
    sensor.push(`s${s}`);
    // test-period speeds are huge: any leak into a statistic would show
    speed.push(h % 10 === 3 ? null : h >= TEST ? 5000 + h : 20 + ((h * 7) % 30));
  }
}

beforeAll(async () => {
  t = await startTestPlatform({ services: ['ingestion', 'preprocessing'] });
  artifacts = new PostgresArtifactStore(t.platform.database.db);
  await createDataset(t.client, 'hours', rowBatch({ ts: ['timestamp', ts], flow: ['number', flow], sensor: ['category', sensor], speed: ['number', speed] }), { timeColumn: 'ts' });
});
afterAll(() => t.stop());

const iso = (h: number) => new Date(START + h * HOUR).toISOString();
const hourOf = (v: number) => Math.round(v) % 1000;

describe('a time split does not leak', () => {
  it('fits every statistic on the train period and keeps every window inside its split', async () => {
    const spec = {
      target: 'flow',
      task: 'forecast',
      features: [{ column: 'speed', steps: [{ impute: 'mean' }, 'standardize'] }],
      forecast: { frequency: '1h', lags: [1, 2, 24], windows: [{ size: 6, function: 'max' }], horizon: 3, group: 'sensor', fill: 'mean' },
      split: { time: { validation_start: iso(VAL), test_start: iso(TEST) } },
    };
    const created = await t.client.preprocessing.createFeatureSet({ dataset: 'hours', spec });
    const fs = await t.client.preprocessing.waitForFeatureSet(created.featureSet?.id as string);
    const fitted = deserializeTransform((await artifacts.getBuffer('default', fs.transformArtifactId)).toString('utf8'));

    const train = ts.map((d, i) => i).filter((i) => ts[i].getTime() < START + VAL * HOUR);
    const trainFlowMean = train.reduce((s, i) => s + flow[i], 0) / train.length;
    expect(fitted.forecast?.targetMean).toBeCloseTo(trainFlowMean, 9);
    const trainSpeeds = train.map((i) => speed[i]).filter((v): v is number => v !== null);
    const speedMean = trainSpeeds.reduce((a, b) => a + b, 0) / trainSpeeds.length;
    const [impute, standardize] = fitted.columns[0].scalar as [Extract<FittedScalarStep, { kind: 'impute' }>, Extract<FittedScalarStep, { kind: 'standardize' }>];
    expect(impute.value).toBeCloseTo(speedMean, 9);
    expect(standardize.mean).toBeCloseTo(speedMean, 9);
    expect(Math.max(...trainSpeeds)).toBeLessThan(100);

    // lag_1, lag_2, lag_24, roll_max_6, was_gap, speed
    expect(fs.featureNames).toEqual(['lag_1', 'lag_2', 'lag_24', 'roll_max_6', 'was_gap', 'speed']);
    const bounds: Record<string, [number, number]> = { train: [0, VAL], validation: [VAL, TEST], test: [TEST, 240] };
    for (const name of ['train', 'validation', 'test'] as const) {
      const split = fs[name] as pb.SplitTensors;
      const x = decodeTensor(await artifacts.getBuffer('default', split.xArtifactId));
      const y = decodeTensor(await artifacts.getBuffer('default', split.yArtifactId));
      const [lo, hi] = bounds[name];
      // per sensor: (hi - lo) steps, lookback 24, horizon 3
      expect(split.rows).toBe(2 * (hi - lo - 24 - 3 + 1));
      for (let i = 0; i < split.rows; i++) {
        for (let j = 0; j < 4; j++) expect(hourOf(x[i * 6 + j])).toBeGreaterThanOrEqual(lo);
        for (let j = 0; j < 4; j++) expect(hourOf(x[i * 6 + j])).toBeLessThan(hi);
        for (let h = 0; h < 3; h++) {
          expect(hourOf(y[i * 3 + h])).toBeGreaterThanOrEqual(lo);
          expect(hourOf(y[i * 3 + h])).toBeLessThan(hi);
        }
        // lag_1 is the reading just before the first predicted step
        expect(y[i * 3]).toBe(x[i * 6] + 1);
      }
    }
  });
});
