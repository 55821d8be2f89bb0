import { status } from '@grpc/grpc-js';
import { PostgresArtifactStore } from '@cityml/db';
import { deserializeTransform } from '@cityml/ml';
import { startTestPlatform, type TestPlatform } from '@cityml/platform/testing';
import { preprocessing as pb } from '@cityml/proto';
import { CityMLClientError, decodeTensor, FeatureSetFailedError } from '@cityml/sdk';
import { createDataset, trafficRows } from './testing/datasets';
import { rowBatch } from './testing/rows';

jest.setTimeout(60_000);

let t: TestPlatform;
let artifacts: PostgresArtifactStore;
beforeAll(async () => {
  t = await startTestPlatform({ services: ['ingestion', 'preprocessing'] });
  artifacts = new PostgresArtifactStore(t.platform.database.db);
  await createDataset(t.client, 'traffic', rowBatch(trafficRows(2, 240) as never), { timeColumn: 'ts', timeZone: 'America/New_York' });
});
afterAll(() => t.stop());

const tensor = async (id: string) => decodeTensor(await artifacts.getBuffer('default', id));

const tabular = {
  target: 'flow',
  task: 'regression',
  features: [
    { column: 'speed', steps: [{ impute: 'mean' }, 'standardize'] },
    { column: 'road', steps: [{ one_hot: { max_categories: 3 } }] },
    { column: 'ts', steps: [{ datetime_parts: { parts: ['hour', 'day_of_week'] } }, 'weekend'] },
  ],
  split: { random: { validation: 0.2, test: 0.2, seed: 7 } },
};

describe('feature sets', () => {
  it('are created PENDING at once, stream their progress and end READY with tensors in the artifact store', async () => {
    const res = await t.client.preprocessing.createFeatureSet({ dataset: 'traffic', spec: tabular });
    expect(res.created).toBe(true);
    const created = res.featureSet as pb.FeatureSet;
    expect([pb.FeatureSetState.FEATURE_SET_STATE_PENDING, pb.FeatureSetState.FEATURE_SET_STATE_RUNNING]).toContain(created.state);
    expect(created.specHash).toMatch(/^[0-9a-f]{64}$/);
    expect(created.datasetVersion).toBe(1);

    const seen: number[] = [];
    const fs = await t.client.preprocessing.waitForFeatureSet(created.id, (f) => seen.push(f.progress));
    expect(fs.state).toBe(pb.FeatureSetState.FEATURE_SET_STATE_READY);
    expect(seen[seen.length - 1]).toBe(1);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    expect(fs.featureNames[0]).toBe('speed');
    expect(fs.featureNames.slice(1, 4).every((n) => /^road=(main|elm|oak|pine)$/.test(n))).toBe(true);
    expect(fs.featureNames.slice(4)).toEqual(['road=__other__', 'ts_hour_sin', 'ts_hour_cos', 'ts_day_of_week_sin', 'ts_day_of_week_cos', 'ts_weekend']);
    expect(fs.layout).toBe(pb.Layout.LAYOUT_FLAT);
    expect(fs.inputShape).toEqual([10]);
    expect(fs.sourceRows).toBe(480);
    const splits = [fs.train, fs.validation, fs.test] as pb.SplitTensors[];
    expect(splits.map((s) => s.rows)).toEqual([288, 96, 96]);
    for (const s of splits) {
      expect(s.xShape).toEqual([s.rows, 10]);
      expect(s.yShape).toEqual([s.rows, 1]);
      expect((await tensor(s.xArtifactId)).length).toBe(s.rows * 10);
      expect((await tensor(s.yArtifactId)).length).toBe(s.rows);
    }
    const fitted = deserializeTransform((await artifacts.getBuffer('default', fs.transformArtifactId)).toString('utf8'));
    expect(fitted.featureNames).toEqual(fs.featureNames);
    expect(fitted.timeZone).toBe('America/New_York');

    const again = await t.client.preprocessing.createFeatureSet({ dataset: 'traffic', version: 1, spec: { ...tabular, split: { random: { seed: 7, test: 0.2, validation: 0.2 } } } });
    expect(again.created).toBe(false);
    expect(again.featureSet?.id).toBe(fs.id);
    expect((await t.client.preprocessing.getFeatureSet(fs.id)).state).toBe(pb.FeatureSetState.FEATURE_SET_STATE_READY);
    const list = await t.client.preprocessing.listFeatureSets({ dataset: 'traffic' });
    expect(list.featureSets.map((f) => f.id)).toContain(fs.id);
  });

  it('give the same tensors for the same seed and other tensors for another seed', async () => {
    await createDataset(t.client, 'traffic-copy', rowBatch(trafficRows(2, 240) as never), { timeColumn: 'ts', timeZone: 'America/New_York' });
    const run = async (dataset: string, seed: number) => {
      const res = await t.client.preprocessing.createFeatureSet({ dataset, spec: { ...tabular, split: { random: { validation: 0.2, test: 0.2, seed } } } });
      return t.client.preprocessing.waitForFeatureSet(res.featureSet?.id as string);
    };
    const [a, b, c] = [await run('traffic', 7), await run('traffic-copy', 7), await run('traffic-copy', 8)];
    expect(b.id).not.toBe(a.id);
    // artifact ids are sha256 of the content: equal ids are equal bytes
    for (const k of ['train', 'validation', 'test'] as const) {
      expect(b[k]?.xArtifactId).toBe(a[k]?.xArtifactId);
      expect(b[k]?.yArtifactId).toBe(a[k]?.yArtifactId);
    }
    expect(b.transformArtifactId).toBe(a.transformArtifactId);
    expect(c.train?.xArtifactId).not.toBe(a.train?.xArtifactId);
    expect(c.transformArtifactId).not.toBe(a.transformArtifactId);
  });

  it('end FAILED with the reason when the data cannot be fitted (every train target null)', async () => {
    const rows = trafficRows(1, 48);
    const [, ts] = rows.ts as [string, Date[]];
    const [, flow] = rows.flow as [string, (number | null)[]];
    ts.forEach((d, i) => {
      if (d.getTime() < Date.UTC(2026, 0, 6)) flow[i] = null;
    });
    await createDataset(t.client, 'no-train-target', rowBatch(rows as never), { timeColumn: 'ts' });
    const spec = { ...tabular, split: { time: { validation_start: '2026-01-06T00:00:00Z', test_start: '2026-01-06T12:00:00Z' } } };
    const res = await t.client.preprocessing.createFeatureSet({ dataset: 'no-train-target', spec });
    const err = (await t.client.preprocessing.waitForFeatureSet(res.featureSet?.id as string).catch((e: unknown) => e)) as FeatureSetFailedError;
    expect(err).toBeInstanceOf(FeatureSetFailedError);
    expect(err.featureSet.state).toBe(pb.FeatureSetState.FEATURE_SET_STATE_FAILED);
    expect(err.featureSet.error).toBe('spec.target: every train row has a null target');
    expect(err.featureSet.train).toBeUndefined();
  });

  it('belong to their tenant: another tenant sees neither them nor the dataset', async () => {
    const list = await t.client.preprocessing.listFeatureSets({ dataset: 'traffic' });
    const id = list.featureSets[0].id;
    const other = await t.newTenant();
    await expect(other.client.preprocessing.getFeatureSet(id)).rejects.toMatchObject({ code: status.NOT_FOUND });
    expect((await other.client.preprocessing.listFeatureSets({})).featureSets).toEqual([]);
    await expect(other.client.preprocessing.createFeatureSet({ dataset: 'traffic', spec: tabular })).rejects.toMatchObject({ code: status.NOT_FOUND });
  });

  it('list newest first, page by page', async () => {
    const all = (await t.client.preprocessing.listFeatureSets({ dataset: 'traffic-copy' })).featureSets;
    expect(all.length).toBe(2);
    const first = await t.client.preprocessing.listFeatureSets({ dataset: 'traffic-copy', pageSize: 1 });
    expect(first.featureSets.map((f) => f.id)).toEqual([all[0].id]);
    const second = await t.client.preprocessing.listFeatureSets({ dataset: 'traffic-copy', pageSize: 1, pageToken: first.nextPageToken });
    expect(second.featureSets.map((f) => f.id)).toEqual([all[1].id]);
    expect(second.nextPageToken).toBe('');
    expect(all[0].createTime!.getTime()).toBeGreaterThanOrEqual(all[1].createTime!.getTime());
    await expect(t.client.preprocessing.listFeatureSets({ pageToken: 'garbage' })).rejects.toMatchObject({ code: status.INVALID_ARGUMENT });
  });

  it('preview the first rows of a dataset version', async () => {
    const res = await t.client.preprocessing.previewTransform({ dataset: 'traffic', spec: tabular, limit: 7 });
    expect(res.shape).toEqual([7, 10]);
    expect(res.values).toHaveLength(70);
    expect(res.targetShape).toEqual([7, 1]);
  });

  it('answer NOT_FOUND for an unknown id', async () => {
    await expect(t.client.preprocessing.getFeatureSet('00000000-0000-0000-0000-000000000000')).rejects.toMatchObject({ code: status.NOT_FOUND });
    await expect(t.client.preprocessing.getFeatureSet('nope')).rejects.toMatchObject({ code: status.NOT_FOUND });
  });
});

describe('bad specs are INVALID_ARGUMENT naming the field, and nothing is stored', () => {
  const hours = (d: number) => new Date(Date.UTC(2026, 0, 5) + d * 3_600_000).toISOString();
  const forecast = (extra: Record<string, unknown>) => ({
    target: 'flow',
    task: 'forecast',
    features: [],
    forecast: { frequency: '1h', lags: [1, 2, 24], horizon: 3, group: 'sensor', ...extra },
    split: { time: { validation_start: hours(144), test_start: hours(192) } },
  });
  const cases: [string, unknown, string, RegExp][] = [
    ['an unknown column', { ...tabular, features: [{ column: 'nope', steps: ['standardize'] }] }, 'spec.features[0].column', /unknown column "nope"/],
    ['a step that does not fit the column type', { ...tabular, features: [{ column: 'speed', steps: [{ one_hot: {} }] }] }, 'spec.features[0].steps[0].one_hot', /column "speed" is NUMBER/],
    ['a text step on a category', { ...tabular, features: [{ column: 'road', steps: [{ text: { vocabulary_size: 10 } }] }] }, 'spec.features[0].steps[0].text', /column "road" is CATEGORY/],
    ['a scaling step after an encoder', { ...tabular, features: [{ column: 'ts', steps: ['weekend', 'standardize'] }] }, 'spec.features[0].steps[1].standardize', /cannot follow/],
    ['a missing target', pb.FeatureSpec.fromPartial({ task: pb.Task.TASK_REGRESSION, features: [{ column: 'speed', steps: [{ standardize: {} }] }] }), 'spec.target', /required/],
    ['an unknown target', { ...tabular, target: 'volume' }, 'spec.target', /unknown column "volume"/],
    ['an empty validation split (random)', { ...tabular, split: { random: { validation: 0.0001, test: 0.2, seed: 1 } } }, 'spec.split.random.validation_fraction', /validation split of 480 rows would be empty/],
    ['an empty test split (time)', { ...tabular, split: { time: { validation_start: hours(100), test_start: hours(10_000) } } }, 'spec.split.time.test_start', /test split is empty/],
    ['an empty train split (time)', { ...tabular, split: { time: { validation_start: hours(-5), test_start: hours(100) } } }, 'spec.split.time.validation_start', /train split is empty/],
    ['a horizon longer than the series', forecast({ horizon: 40 }), 'spec.forecast.horizon', /horizon 40 \+ lookback 24 steps is longer than every series of the validation split/],
    ['a forecast without a time split', { ...forecast({}), split: undefined }, 'spec.split', /time split/],
    ['a group column that does not exist', forecast({ group: 'station' }), 'spec.forecast.group_column', /unknown column "station"/],
  ];
  it.each(cases)('%s', async (_name, spec, field, message) => {
    const err = (await t.client.preprocessing.createFeatureSet({ dataset: 'traffic', spec: spec as never }).catch((e: unknown) => e)) as CityMLClientError;
    expect(err).toBeInstanceOf(CityMLClientError);
    expect(err.code).toBe(status.INVALID_ARGUMENT);
    expect(err.details[0]?.field).toBe(field);
    expect(err.message).toMatch(message);
    expect(err.message.startsWith(`${field}: `)).toBe(true);
  });

  it('stores nothing for any of them', async () => {
    await createDataset(t.client, 'traffic-bad', rowBatch(trafficRows(1, 10) as never), { timeColumn: 'ts' });
    for (const [, spec] of cases) await t.client.preprocessing.createFeatureSet({ dataset: 'traffic-bad', spec: spec as never }).catch(() => undefined);
    expect((await t.client.preprocessing.listFeatureSets({ dataset: 'traffic-bad' })).featureSets).toEqual([]);
  });

  it('NOT_FOUND for an unknown dataset or version', async () => {
    await expect(t.client.preprocessing.createFeatureSet({ dataset: 'nope', spec: tabular })).rejects.toMatchObject({ code: status.NOT_FOUND });
    await expect(t.client.preprocessing.createFeatureSet({ dataset: 'traffic', version: 9, spec: tabular })).rejects.toMatchObject({ code: status.NOT_FOUND });
  });
});
