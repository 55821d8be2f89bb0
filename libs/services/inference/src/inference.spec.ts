import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Metadata, status } from '@grpc/grpc-js';
import { frameFromRows, predict } from '@cityml/ml';
import { inference } from '@cityml/proto';
import { callOptions, CityMLClientError, unary } from '@cityml/sdk';
import { startTestPlatform, type TestPlatform } from '@cityml/platform/testing';
import { createLogger, LOCAL_PRINCIPAL, type CallContext } from '@cityml/runtime';
import { inferenceHandlers } from './handlers';
import { inferenceInstances } from './index';
import { classificationModel, forecastModel, importedModel, publish, truncated, regressionModel, rowBatch, seriesRows, SERIES_SCHEMA, trafficRows, type TestModel } from './test-models';

jest.setTimeout(30_000);

describe('the inference service', () => {
  let t: TestPlatform;
  let reg: TestModel;
  let cls: TestModel;
  let fc: TestModel;
  let imp: TestModel;
  const raw = () => t.client.inference.raw;
  const call = (req: Partial<inference.PredictRequest>, deadlineMs?: number) =>
    unary(raw().predict.bind(raw()), inference.PredictRequest.fromPartial(req), callOptions(t.client.options, deadlineMs));

  beforeAll(async () => {
    t = await startTestPlatform({ services: ['registry', 'inference'], env: { CITYML_AUTH: 'off' } });
    [reg, cls, fc, imp] = await Promise.all([regressionModel(), classificationModel(), forecastModel(), importedModel()]);
    await publish(t.client, 'flow', reg, { alias: 'production' });
    await publish(t.client, 'kind', cls, { alias: 'production' });
    await publish(t.client, 'flow-forecast', fc, { alias: 'production' });
    await publish(t.client, 'imported', imp, { alias: 'production' });
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('returns regression values in the target units from raw rows, as libs/ml predicts in process', async () => {
    const rows = trafficRows(5, 7).map(({ speed, lane }) => ({ speed, lane }));
    const res = await call({ modelName: 'flow', rows: rowBatch(rows, reg.schema), requestId: 'r1' });
    const local = await predict(reg.model, reg.fitted!, frameFromRows(rows, { speed: 'number', lane: 'category' }));
    if (local.task !== 'regression') throw new Error('wrong task');
    expect(res).toMatchObject({ modelName: 'flow', modelVersion: 1, requestId: 'r1' });
    expect(res.values).toHaveLength(5);
    res.values.forEach((v, i) => expect(v).toBeCloseTo(local.values[i], 3));
    // target units: the standardized output was scaled back (flow is ~400-900, not ~0)
    expect(Math.abs(res.values[0])).toBeGreaterThan(50);
  });

  it('returns class labels with per-class probabilities', async () => {
    const rows = trafficRows(4, 3).map(({ speed, at }) => ({ speed, at }));
    const res = await call({ modelName: 'kind', alias: 'production', rows: rowBatch(rows, cls.schema) });
    const local = await predict(cls.model, cls.fitted!, frameFromRows(rows, { speed: 'number', at: 'timestamp' }));
    if (local.task !== 'classification') throw new Error('wrong task');
    expect(res.classLabels).toEqual(['congested', 'free']);
    expect(res.labels).toEqual(local.labels);
    expect(res.probabilities).toHaveLength(8);
    res.probabilities.forEach((p, i) => expect(p).toBeCloseTo(local.probabilities[i], 4));
    expect(res.probabilities[0] + res.probabilities[1]).toBeCloseTo(1, 5);
  });

  it('forecasts H values per group from the history rows the request carries', async () => {
    const history = seriesRows(6, 100);
    const res = await call({ modelName: 'flow-forecast', rows: rowBatch(history, SERIES_SCHEMA) });
    const local = await predict(fc.model, fc.fitted!, frameFromRows(history, SERIES_SCHEMA));
    if (local.task !== 'forecast') throw new Error('wrong task');
    expect(res.groups).toEqual(['a', 'b']);
    expect(res.horizon).toBe(3);
    expect(res.forecast).toHaveLength(6);
    res.forecast.forEach((v, i) => expect(v).toBeCloseTo(local.values[i], 3));
  });

  it('feeds an imported model its declared inputs as they are', async () => {
    const rows = [{ a: 1, b: 2 }, { a: 3, b: -1 }];
    const res = await call({ modelName: 'imported', version: 1, rows: rowBatch(rows, imp.schema) });
    expect(res.values[0]).toBeCloseTo(2 * 1 - 2 + 1, 5);
    expect(res.values[1]).toBeCloseTo(2 * 3 + 1 + 1, 5);
  });

  describe('errors', () => {
    const rejects = async (req: Partial<inference.PredictRequest>, code: status) => {
      const err = await call(req).then(
        () => undefined,
        (e: CityMLClientError) => e,
      );
      expect(err).toBeInstanceOf(CityMLClientError);
      expect(err!.code).toBe(code);
      return err!;
    };
    const rows = rowBatch([{ speed: 50, lane: 'north' }], { speed: 'number', lane: 'category' });

    it('answer NOT_FOUND for an unknown model, version or alias', async () => {
      await rejects({ modelName: 'nope', rows }, status.NOT_FOUND);
      await rejects({ modelName: 'flow', version: 99, rows }, status.NOT_FOUND);
      await rejects({ modelName: 'flow', alias: 'canary', rows }, status.NOT_FOUND);
    });

    it('answer INVALID_ARGUMENT naming a missing column', async () => {
      const err = await rejects({ modelName: 'flow', rows: rowBatch([{ speed: 50 }], { speed: 'number' }) }, status.INVALID_ARGUMENT);
      expect(err.message).toMatch(/column lane/);
      expect(err.details[0]).toMatchObject({ column: 'lane' });
    });

    it('answer INVALID_ARGUMENT naming a column of the wrong type', async () => {
      const err = await rejects({ modelName: 'flow', rows: rowBatch([{ speed: 'fast', lane: 'north' }], { speed: 'category', lane: 'category' }) }, status.INVALID_ARGUMENT);
      expect(err.message).toMatch(/column speed: must be of type NUMBER, got CATEGORY/);
      expect(err.details[0]).toMatchObject({ column: 'speed' });
    });

    it('answer INVALID_ARGUMENT naming the column and row of a wrong shape or value', async () => {
      const short = rowBatch([{ speed: 50, lane: 'north' }, { speed: 60, lane: 'south' }, { speed: 70, lane: 'east' }], reg.schema);
      short.columns.find((c) => c.name === 'lane')!.strings.pop();
      const err = await rejects({ modelName: 'flow', rows: short }, status.INVALID_ARGUMENT);
      expect(err.details[0]).toMatchObject({ column: 'lane', row: 2 });
      const inf = rowBatch([{ speed: 50, lane: 'north' }, { speed: Infinity, lane: 'south' }], reg.schema);
      const err2 = await rejects({ modelName: 'flow', rows: inf }, status.INVALID_ARGUMENT);
      expect(err2.message).toBe('column speed, row 1: value is not finite');
      const nul = rowBatch([{ a: 1, b: 1 }, { a: null, b: 2 }], imp.schema);
      const err3 = await rejects({ modelName: 'imported', rows: nul }, status.INVALID_ARGUMENT);
      expect(err3.details[0]).toMatchObject({ column: 'a', row: 1 });
    });

    it('answer INVALID_ARGUMENT for a forecast history shorter than the lookback, naming the group', async () => {
      const err = await rejects({ modelName: 'flow-forecast', rows: rowBatch(seriesRows(3), SERIES_SCHEMA) }, status.INVALID_ARGUMENT);
      expect(err.message).toMatch(/group a: history covers 3 steps, the model needs 6/);
    });

    it('answer UNAVAILABLE with the reason for a version that failed to load', async () => {
      await publish(t.client, 'broken', { bytes: truncated(imp.bytes), signature: imp.signature }, { alias: 'production' });
      const err = await rejects({ modelName: 'broken', rows }, status.UNAVAILABLE);
      expect(err.message).toBe('model broken version 1 failed to load: model bundle weights are truncated');
    });
  });

  const streamRequests = () => {
    const ok = (a: number) => ({ request: inference.PredictRequest.fromPartial({ modelName: 'imported', requestId: String(a), rows: rowBatch([{ a, b: 0 }], imp.schema) }) });
    return [ok(1), { request: inference.PredictRequest.fromPartial({ modelName: 'nope', requestId: 'x', rows: rowBatch([{ a: 1, b: 0 }], imp.schema) }) }, ok(2)];
  };
  const expectStreamAnswers = (got: inference.PredictStreamResponse[]) => {
    expect(got).toHaveLength(3);
    expect(got[0].response?.values[0]).toBeCloseTo(3, 5);
    expect(got[1]).toMatchObject({ errorCode: status.NOT_FOUND });
    expect(got[1].errorMessage).toMatch(/nope/);
    expect(got[2].response).toMatchObject({ requestId: '2' });
    expect(got[2].response?.values[0]).toBeCloseTo(5, 5);
  };

  it('answers each PredictStream request in order, an error entry for a failed one, and goes on', async () => {
    // Drives the handler the gRPC bootstrap hosts, with this service's real predictor.
    const { predictor, manager } = inferenceInstances()[0];
    const ctx: CallContext = { principal: LOCAL_PRINCIPAL, requestId: 's', method: '/cityml.inference.v1.InferenceService/PredictStream', log: createLogger({ level: 'silent', pretty: false }), metadata: new Metadata(), signal: new AbortController().signal, draining: new AbortController().signal };
    async function* requests() {
      for (const r of streamRequests()) {
        yield r;
        await new Promise((res) => setImmediate(res));
      }
    }
    const got: inference.PredictStreamResponse[] = [];
    for await (const m of inferenceHandlers(predictor, manager).predictStream(requests(), ctx)) got.push(m);
    expectStreamAnswers(got);
  });

  it('answers PredictStream over gRPC, through the SDK', async () => {
    const stream = raw().predictStream();
    const got: inference.PredictStreamResponse[] = [];
    const done = new Promise<void>((resolve, reject) => {
      stream.on('data', (m: inference.PredictStreamResponse) => got.push(m));
      stream.on('end', resolve);
      stream.on('error', reject);
    });
    for (const r of streamRequests()) stream.write(r);
    stream.end();
    await done;
    expectStreamAnswers(got);
    const viaSdk: inference.PredictStreamResponse[] = [];
    const feed = streamRequests().map((r) => ({ model: { name: r.request.modelName }, rows: r.request.rows!, options: { requestId: r.request.requestId } }));
    for await (const m of t.client.inference.predictStream(feed)) viaSdk.push(m);
    expectStreamAnswers(viaSdk);
  });

  it('lists the loaded models with their state, aliases and tensor memory', async () => {
    const res = await unary(raw().listLoadedModels.bind(raw()), {}, callOptions(t.client.options));
    const flow = res.models.find((m) => m.modelName === 'flow');
    expect(flow).toMatchObject({ version: 1, state: 'ready', aliases: ['production'] });
    expect(flow!.tensorBytes).toBeGreaterThan(0);
    expect(flow!.requests).toBeGreaterThan(0);
    expect(res.models.find((m) => m.modelName === 'broken')).toMatchObject({ state: 'failed', error: 'model bundle weights are truncated' });
  });

  describe('cityml predict', () => {
    const cli = (...args: string[]) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(process.execPath, [join(__dirname, '../../../../dist/apps/cli/main.js'), ...args, '--address', t.address, '--data-dir', tmpdir()], (err, stdout, stderr) =>
          resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
        );
      });

    it('predicts from --json rows and from a JSON Lines file', async () => {
      const rows = [{ speed: 30, lane: 'north' }, { speed: 70, lane: 'east' }];
      const res = await call({ modelName: 'flow', rows: rowBatch(rows, reg.schema) });
      const a = await cli('predict', 'flow:1', '--json', JSON.stringify(rows), '--output', 'json');
      expect(a.stderr).toBe('');
      expect(a.code).toBe(0);
      const out = JSON.parse(a.stdout);
      expect(out).toMatchObject({ modelName: 'flow', modelVersion: 1, kind: 'regression' });
      out.values.forEach((v: number, i: number) => expect(v).toBeCloseTo(res.values[i], 6));
      const file = join(mkdtempSync(join(tmpdir(), 'predict-')), 'rows.jsonl');
      writeFileSync(file, seriesRows(6, 50).map((r) => JSON.stringify(r)).join('\n') + '\n');
      const b = await cli('predict', 'flow-forecast@production', '--file', file);
      expect(b.code).toBe(0);
      expect(b.stdout).toMatch(/model flow-forecast version 1 \(forecast\)/);
      expect(b.stdout).toMatch(/^b\s+3\s+-?\d/m);
    });

    it('exits 1 with the reason for a bad column and 2 for a usage error', async () => {
      const bad = await cli('predict', 'flow', '--json', '{"speed": 30}');
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(/INVALID_ARGUMENT: column lane: missing/);
      expect((await cli('predict', 'flow')).code).toBe(2);
      expect((await cli('predict', 'flow@@x', '--json', '{}')).code).toBe(2);
    });
  });

  it('exposes per-model metrics', async () => {
    const port = inferenceInstances()[0].httpPort;
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(text).toMatch(/cityml_inference_requests_total\{tenant="default",model="flow",code="OK"\} \d+/);
    expect(text).toMatch(/cityml_inference_request_duration_seconds_count\{tenant="default",model="flow"\} \d+/);
    expect(text).toMatch(/cityml_inference_batch_size_count\{tenant="default",model="flow"\} \d+/);
    expect(text).toMatch(/cityml_inference_queue_depth\{tenant="default",model="flow"\} 0/);
    expect(text).toMatch(/cityml_inference_model_tensor_bytes\{tenant="default",model="flow",version="1"\} [1-9]/);
    expect(text).toMatch(/cityml_inference_loaded_models [1-9]/);
    expect(text).toMatch(/cityml_inference_model_loads_total\{tenant="default",model="broken",result="failed"\} 1/);
  });
});

