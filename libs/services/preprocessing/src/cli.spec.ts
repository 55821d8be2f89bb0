import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, run } from '@cityml/platform/live-up';
import { startTestPlatform, type TestPlatform } from '@cityml/platform/testing';
import { preprocessing as pb } from '@cityml/proto';
import { parseFeatureSpec } from '@cityml/sdk';
import { parse as parseYaml } from 'yaml';
import { createDataset, trafficRows } from './testing/datasets';
import { rowBatch } from './testing/rows';

jest.setTimeout(60_000);


const FORECAST_YAML = `
target: flow
task: forecast
features:
  - column: ts
    steps:
      - datetime_parts: {parts: [hour, day_of_week], cyclical: true}
forecast: {frequency: 1h, lags: [1, 2, 24], horizon: 3, group: sensor, windows: [{size: 6, function: mean}]}
split: {time: {validation_start: "2026-01-11T00:00:00Z", test_start: "2026-01-13T00:00:00Z"}}
`;

describe('the friendly spec format', () => {
  it('maps YAML to the protobuf FeatureSpec', () => {
    const spec = parseFeatureSpec(parseYaml(FORECAST_YAML));
    expect(spec.task).toBe(pb.Task.TASK_FORECAST);
    expect(spec.features[0].steps[0].datetimeParts).toEqual({ parts: [pb.DatetimePart.DATETIME_PART_HOUR, pb.DatetimePart.DATETIME_PART_DAY_OF_WEEK], cyclical: true });
    expect(spec.forecast).toMatchObject({ frequencySeconds: 3600, lags: [1, 2, 24], horizon: 3, groupColumn: 'sensor', fill: pb.FillMethod.FILL_METHOD_FORWARD, layout: pb.Layout.LAYOUT_FLAT });
    expect(spec.forecast?.windows).toEqual([{ size: 6, function: pb.RollingFunction.ROLLING_FUNCTION_MEAN }]);
    expect(spec.split?.time?.testStart?.toISOString()).toBe('2026-01-13T00:00:00.000Z');
  });

  it('accepts camelCase, bare step names and shorthand arguments', () => {
    const spec = parseFeatureSpec({ target: 'y', task: 'text_classification', scaleTarget: false, features: [{ column: 'a', steps: ['standardize', { impute: 'median' }, { hashBuckets: 8 }, 'weekend', { text: { vocabularySize: 20, weighting: 'tfidf' } }] }] });
    expect(spec.task).toBe(pb.Task.TASK_TEXT_CLASSIFICATION);
    expect(spec.features[0].steps).toEqual([
      { standardize: {} },
      { impute: { strategy: pb.ImputeStrategy.IMPUTE_STRATEGY_MEDIAN, numberValue: 0, stringValue: '' } },
      { hashBuckets: { buckets: 8 } },
      { calendarFlags: { weekend: true, holiday: false } },
      { text: { vocabularySize: 20, weighting: pb.TextWeighting.TEXT_WEIGHTING_TF_IDF, bigrams: false } },
    ]);
  });

  it('names the path of what it cannot read', () => {
    expect(() => parseFeatureSpec({ target: 'y', task: 'regression', features: [{ column: 'a', steps: [{ clip: { min: 'low' } }] }] })).toThrow('features[0].steps[0].clip.min: must be a number');
    expect(() => parseFeatureSpec({ target: 'y', task: 'regresion' })).toThrow(/^task: must be one of/);
    expect(() => parseFeatureSpec({ target: 'y', task: 'forecast', forecast: { frequency: 'hourly' } })).toThrow(/forecast.frequency/);
    expect(() => parseFeatureSpec({ target: 'y', task: 'regression', features: [{ column: 'a', steps: [{ scale: {} }] }] })).toThrow(/features\[0\].steps\[0\]: must be one of/);
  });
});

describe('cityml features', () => {
  let t: TestPlatform;
  let dir: string;
  beforeAll(async () => {
    t = await startTestPlatform({ services: ['ingestion', 'preprocessing'] });
    dir = mkdtempSync(join(tmpdir(), 'cityml-features-'));
    await createDataset(t.client, 'traffic', rowBatch(trafficRows(2, 240) as never), { timeColumn: 'ts' });
  });
  afterAll(async () => {
    await t?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function cityml(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const r = await run([CLI, ...args, '--address', t.address, '--api-key', t.apiKey], { env: { CITYML_DATA_DIR: dir } });
    return { ...r, code: r.code ?? -1 };
  }
  const file = (name: string, text: string) => {
    const f = join(dir, name);
    writeFileSync(f, text);
    return f;
  };

  it('create --watch materializes a YAML spec; show and list print it; the same spec returns the same feature set', async () => {
    const spec = file('spec.yaml', FORECAST_YAML);
    const r = await cityml('features', 'create', '--dataset', 'traffic@1', '--spec', spec, '--watch', '--json');
    expect(r.code).toBe(0);
    const fs = JSON.parse(r.stdout);
    expect(fs).toMatchObject({ state: 'READY', dataset: 'traffic', datasetVersion: 1, layout: 'flat', progress: 1 });
    expect(fs.featureNames).toEqual(['lag_1', 'lag_2', 'lag_24', 'roll_mean_6', 'was_gap', 'ts_hour_sin', 'ts_hour_cos', 'ts_day_of_week_sin', 'ts_day_of_week_cos']);
    expect(fs.train.xShape).toEqual([2 * (144 - 24 - 3 + 1), 9]);

    const shown = await cityml('features', 'show', fs.id);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain('READY');
    expect(shown.stdout).toMatch(/train\s+236\s+\[236, 9\]/);

    const json = file('spec.json', JSON.stringify(parseYaml(FORECAST_YAML)));
    const again = await cityml('features', 'create', '--dataset', 'traffic', '--spec', json, '--json');
    expect(JSON.parse(again.stdout).id).toBe(fs.id);

    const list = await cityml('features', 'list', '--dataset', 'traffic');
    expect(list.stdout).toContain(fs.id);
  });

  it('preview prints the features of the first rows', async () => {
    const spec = file('tab.yaml', 'target: flow\ntask: regression\nfeatures:\n  - column: speed\n    steps: [{impute: mean}, standardize]\n  - column: road\n    steps: [one_hot]\n');
    const r = await cityml('features', 'preview', '--dataset', 'traffic', '--spec', spec, '--limit', '5', '--json');
    expect(r.code).toBe(0);
    const res = JSON.parse(r.stdout);
    expect(res.shape[0]).toBe(5);
    expect(res.featureNames[0]).toBe('speed');
    const human = await cityml('features', 'preview', '--dataset', 'traffic', '--spec', spec, '--limit', '3');
    expect(human.stdout).toMatch(/^shape \[3, \d+\]/);
  });

  it('reports a bad spec with the field and exits 1, a malformed file with exit 2', async () => {
    const bad = file('bad.yaml', 'target: flow\ntask: regression\nfeatures:\n  - column: speed\n    steps: [one_hot]\n');
    const r = await cityml('features', 'create', '--dataset', 'traffic', '--spec', bad);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('INVALID_ARGUMENT');
    expect(r.stderr).toContain('spec.features[0].steps[0].one_hot: column "speed" is NUMBER');
    const broken = file('broken.yaml', 'target: flow\ntask: regression\nfeatures:\n  - column: speed\n    steps: [{clip: {min: low}}]\n');
    const u = await cityml('features', 'create', '--dataset', 'traffic', '--spec', broken);
    expect(u.code).toBe(2);
    expect(u.stderr).toContain('features[0].steps[0].clip.min: must be a number');
  });
});
