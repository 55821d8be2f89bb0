import { status } from '@grpc/grpc-js';
import { frameFromRows, predict } from '@cityml/ml';
import { inference } from '@cityml/proto';
import { callOptions, CityMLClientError, unary } from '@cityml/sdk';
import { startTestPlatform, type TestPlatform } from '@cityml/platform/testing';
import { inferenceInstances } from './index';
import { sample } from './metrics-text';
import { publish, regressionModel, rowBatch, setAlias, truncated, type TestModel } from './test-models';

jest.setTimeout(60_000);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('hot swaps of an alias', () => {
  let t: TestPlatform;
  let v1: TestModel;
  let v2: TestModel;
  const rows = [{ speed: 42, lane: 'south' }];
  const metrics = async () => (await fetch(`http://127.0.0.1:${inferenceInstances()[0].httpPort}/metrics`)).text();
  const call = (req: Partial<inference.PredictRequest>) => {
    const raw = t.client.inference.raw;
    return unary(raw.predict.bind(raw), inference.PredictRequest.fromPartial(req), callOptions(t.client.options, 10_000));
  };

  beforeAll(async () => {
    t = await startTestPlatform({ services: ['registry', 'inference'], env: { CITYML_AUTH: 'off' } });
    [v1, v2] = await Promise.all([regressionModel(1), regressionModel(5)]);
    await publish(t.client, 'swap', v1, { alias: 'production' });
  });
  afterAll(async () => {
    await t?.stop();
  });

  /** Runs `clients` loops of Predict on swap@production until stop(); records every answer. */
  function load(clients: number) {
    const answers: { started: number; ended: number; version: number; value: number }[] = [];
    const errors: unknown[] = [];
    let running = true;
    const loops = Array.from({ length: clients }, async () => {
      while (running) {
        const started = performance.now();
        try {
          const res = await call({ modelName: 'swap', rows: rowBatch(rows, v1.schema) });
          answers.push({ started, ended: performance.now(), version: res.modelVersion, value: res.values[0] });
        } catch (err) {
          errors.push(err);
        }
      }
    });
    return {
      answers,
      errors,
      stop: async () => {
        running = false;
        await Promise.all(loops);
      },
    };
  }

  it('switches traffic atomically to the new version under concurrent load, with zero failed requests', async () => {
    await call({ modelName: 'swap', rows: rowBatch(rows, v1.schema) });
    const expected = async (m: TestModel) => {
      const p = await predict(m.model, m.fitted!, frameFromRows(rows, { speed: 'number', lane: 'category' }));
      return p.task === 'regression' ? p.values[0] : NaN;
    };
    const [e1, e2] = [await expected(v1), await expected(v2)];
    expect(Math.abs(e1 - e2)).toBeGreaterThan(1e-3);
    const run = load(16);
    await sleep(300);
    await publish(t.client, 'swap', v2, { alias: 'production' });
    for (let i = 0; i < 200 && !run.answers.some((a) => a.version === 2); i++) await sleep(50);
    await sleep(300);
    await run.stop();
    expect(run.errors).toEqual([]);
    const firstV2 = Math.min(...run.answers.filter((a) => a.version === 2).map((a) => a.ended));
    expect(run.answers.filter((a) => a.version === 1).length).toBeGreaterThan(10);
    // every request that started after the first v2 answer was served by v2
    expect(run.answers.filter((a) => a.started > firstV2 && a.version !== 2)).toEqual([]);
    for (const a of run.answers) expect(a.value).toBeCloseTo(a.version === 1 ? e1 : e2, 3);
    expect(sample(await metrics(), 'cityml_inference_alias_swaps_total', { model: 'swap', alias: 'production', result: 'ok' })).toBe(1);
  });

  it('keeps the old version serving when the new one fails to load, and reports the failure', async () => {
    const run = load(8);
    await sleep(200);
    const v3 = await publish(t.client, 'swap', { bytes: truncated(v2.bytes), signature: v2.signature });
    await setAlias(t.client, 'swap', 'production', v3);
    let text = '';
    for (let i = 0; i < 200; i++) {
      text = await metrics();
      if (sample(text, 'cityml_inference_alias_swaps_total', { model: 'swap', alias: 'production', result: 'failed' }) > 0) break;
      await sleep(50);
    }
    await sleep(200);
    await run.stop();
    expect(sample(text, 'cityml_inference_alias_swaps_total', { model: 'swap', alias: 'production', result: 'failed' })).toBe(1);
    expect(sample(text, 'cityml_inference_model_loads_total', { model: 'swap', result: 'failed' })).toBe(1);
    expect(run.errors).toEqual([]);
    expect(run.answers.length).toBeGreaterThan(10);
    expect(new Set(run.answers.map((a) => a.version))).toEqual(new Set([2]));
    const err = await call({ modelName: 'swap', version: v3, rows: rowBatch(rows, v1.schema) }).catch((e: CityMLClientError) => e);
    expect(err).toMatchObject({ code: status.UNAVAILABLE, message: `model swap version ${v3} failed to load: model bundle weights are truncated` });
    const listed = await unary(t.client.inference.raw.listLoadedModels.bind(t.client.inference.raw), {}, callOptions(t.client.options));
    expect(listed.models.find((m) => m.version === 2)).toMatchObject({ state: 'ready', aliases: ['production'] });
    expect(listed.models.find((m) => m.version === v3)).toMatchObject({ state: 'failed' });
  });

  it('moves to a good version published after the failed one', async () => {
    const v4 = await publish(t.client, 'swap', v1, { alias: 'production' });
    let version = 0;
    for (let i = 0; i < 100 && version !== v4; i++) {
      version = (await call({ modelName: 'swap', rows: rowBatch(rows, v1.schema) })).modelVersion;
      if (version !== v4) await sleep(50);
    }
    expect(version).toBe(v4);
  });
});
