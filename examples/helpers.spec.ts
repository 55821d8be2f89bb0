import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { status } from '@grpc/grpc-js';
import { common } from '@cityml/proto';
import { toCsv, trafficRows } from '@cityml/samples';
import { CityML, CityMLClientError } from '@cityml/sdk';
import { startLiveUp, type LiveUp } from '@cityml/platform/live-up';

const T = common.ColumnType;

// The SDK's high-level helpers (libs/sdk/src/helpers), end to end. They live here, not in
// libs/sdk, because the platform that hosts the services depends on the SDK.
describe('the SDK helpers against a live `cityml up` (auth on)', () => {
  let up: LiveUp;
  let tp: { client: CityML };
  let dir: string;
  beforeAll(async () => {
    up = await startLiveUp();
    tp = { client: new CityML({ address: up.address, apiKey: up.apiKey }) };
    dir = mkdtempSync(join(tmpdir(), 'cityml-sdk-'));
  }, 60_000);
  afterAll(async () => {
    tp?.client.close();
    await up?.stop();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('ingests a CSV file into a new dataset with an inferred schema, reporting progress', async () => {
    const file = join(dir, 'traffic.csv');
    writeFileSync(file, [...toCsv(trafficRows({ sensors: 2, days: 3 }))].join(''));
    const progress: number[] = [];
    const res = await tp.client.ingestCsv(file, 'csv-traffic', { create: true, batchRows: 50, onProgress: (p) => progress.push(p.rows) });
    expect(res.version?.rowCount).toBe(2 * 72);
    expect(res.rowsAccepted).toBe(144);
    expect(progress.at(-1)).toBe(144);
    expect(progress.length).toBeGreaterThan(2);
    const ds = await tp.client.ingestion.getDataset('csv-traffic');
    expect(ds.schema?.columns.find((c) => c.name === 'ts')?.type).toBe(T.COLUMN_TYPE_TIMESTAMP);
  });

  it('names the source line of a bad CSV row', async () => {
    const file = join(dir, 'bad.csv');
    writeFileSync(file, 'ts,sensor_id,flow,speed,temperature_c,rain_mm\n2026-01-05T05:00:00Z,S01,10,50,1,0\n2026-01-05T06:00:00Z,S01,lots,50,1,0\n');
    const err = await tp.client.ingestCsv(file, 'csv-traffic').catch((e) => e);
    expect(err).toBeInstanceOf(CityMLClientError);
    expect(err.code).toBe(status.INVALID_ARGUMENT);
    expect(err.details).toEqual(expect.arrayContaining([expect.objectContaining({ line: 3, column: 'flow' })]));
  });

  it('refuses to ingest into a missing dataset without create', async () => {
    await expect(tp.client.ingestRows('nowhere', [{ a: 1 }])).rejects.toMatchObject({ code: status.NOT_FOUND });
  });

  it('goes from plain rows to a forecast: ingestRows, waitForFeatureSet, trainAndWait, predict', async () => {
    async function* rows() {
      yield* trafficRows({ sensors: 3, days: 12, missing: 0 });
    }
    const ingested = await tp.client.ingestRows('rows-traffic', rows(), { create: true, batchRows: 200 });
    expect(ingested.version?.rowCount).toBe(3 * 12 * 24);
    const created = await tp.client.preprocessing.createFeatureSet({
      dataset: 'rows-traffic',
      spec: { target: 'flow', task: 'forecast', scale_target: true, features: [{ column: 'ts', steps: [{ datetime_parts: ['hour'] }] }], split: { time: { validation_start: '2026-01-13T05:00:00Z', test_start: '2026-01-15T05:00:00Z' } },
      forecast: { frequency: '1h', lags: [1, 2, 24], horizon: 2, group: 'sensor_id' },
      },
    });
    const states: number[] = [];
    const fs = await tp.client.waitForFeatureSet(created.featureSet!.id, { onProgress: (f) => states.push(f.state), timeoutMs: 30_000 });
    expect(fs.outputSize).toBe(2);
    expect(states.at(-1)).toBe(3); // READY
    const epochs: number[] = [];
    const job = await tp.client.trainAndWait({ featureSetId: fs.id, modelName: 'rows-forecast', model: { kind: 1, hiddenUnits: [16] }, hyperparameters: { epochs: 3, batchSize: 64 } }, { onEpoch: (e) => epochs.push(e.epoch) });
    expect(epochs).toEqual([1, 2, 3]);
    expect(job.modelVersion).toBe(1);
    const last = [...trafficRows({ sensors: 3, days: 12, missing: 0 })].filter((r) => r.sensor_id === 'S02').slice(-48);
    const p = await tp.client.predict({ name: 'rows-forecast', version: 1 }, last);
    expect(p).toMatchObject({ kind: 'forecast', modelName: 'rows-forecast', modelVersion: 1 });
    expect(p.forecasts).toHaveLength(1);
    expect(p.forecasts[0].group).toBe('S02');
    expect(p.forecasts[0].values).toHaveLength(2);
    for (const v of p.forecasts[0].values) expect(v).toBeGreaterThan(0);
  }, 60_000);

  it('rejects a prediction from an unknown model with NOT_FOUND', async () => {
    await expect(tp.client.predict('no-such-model', [{ x: 1 }])).rejects.toMatchObject({ code: status.NOT_FOUND });
  });
});
