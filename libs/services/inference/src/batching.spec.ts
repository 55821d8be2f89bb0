import { status } from '@grpc/grpc-js';
import * as tf from '@tensorflow/tfjs';
import { inference, oip } from '@cityml/proto';
import { callOptions, CityMLClientError, unary } from '@cityml/sdk';
import { startTestPlatform, type TestPlatform } from '@cityml/platform/testing';
import { BUNDLE_FORMAT, bundleFromModel, encodeBundle } from '@cityml/ml/bundle';
import { inferenceInstances, TAG_MAX_BATCH_SIZE, TAG_MAX_QUEUE_DELAY_MS } from './index';
import { sample } from './metrics-text';
import { publish, regressionModel, rowBatch, type TestModel } from './test-models';

jest.setTimeout(60_000);

/** An imported linear model y = wa·a + wb·b + c. */
async function linear(wa: number, wb: number, c: number): Promise<TestModel> {
  const model = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [2] })] });
  model.setWeights([tf.tensor2d([[wa], [wb]]), tf.tensor1d([c])]);
  const signature = { inputs: [{ name: 'x', dtype: 'float32', shape: [-1, 2] }], outputKind: 'regression' as const, inputColumns: ['a', 'b'] };
  const bundle = await bundleFromModel(model, signature);
  expect(bundle.format).toBe(BUNDLE_FORMAT);
  return { model, signature, bytes: encodeBundle(bundle), schema: { a: 'number', b: 'number' } };
}

describe('dynamic batching', () => {
  let t: TestPlatform;
  let a: TestModel;
  const schema = { a: 'number', b: 'number' } as const;
  const metrics = async (i = 0) => (await fetch(`http://127.0.0.1:${inferenceInstances()[i].httpPort}/metrics`)).text();
  const call = (req: Partial<inference.PredictRequest>, deadlineMs = 10_000) => {
    const raw = t.client.inference.raw;
    return unary(raw.predict.bind(raw), inference.PredictRequest.fromPartial(req), callOptions(t.client.options, deadlineMs));
  };
  const loadModel = (name: string) => {
    const raw = t.client.inference.oip;
    return unary(raw.modelMetadata.bind(raw), oip.ModelMetadataRequest.fromPartial({ name }), callOptions(t.client.options));
  };

  beforeAll(async () => {
    t = await startTestPlatform({ services: ['registry', 'inference'], env: { CITYML_AUTH: 'off' } });
    a = await linear(2, -1, 1);
    const batched = { [TAG_MAX_BATCH_SIZE]: '64', [TAG_MAX_QUEUE_DELAY_MS]: '30' };
    await publish(t.client, 'a', a, { alias: 'production', tags: batched });
    await publish(t.client, 'b', await linear(-1, 3, 0), { alias: 'production', tags: batched });
    await publish(t.client, 'single', a, { alias: 'production', tags: { [TAG_MAX_BATCH_SIZE]: '1', [TAG_MAX_QUEUE_DELAY_MS]: '0' } });
    await publish(t.client, 'slow', a, { alias: 'production', tags: { [TAG_MAX_BATCH_SIZE]: '1000', [TAG_MAX_QUEUE_DELAY_MS]: '1500' } });
    await Promise.all(['a', 'b', 'single', 'slow'].map(loadModel));
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('runs concurrent requests as batches of one model each, never mixing rows of two models', async () => {
    const jobs = Array.from({ length: 40 }, (_, i) => ({ model: i % 2 ? 'b' : 'a', x: i, y: 40 - i }));
    const answers = await Promise.all(jobs.map((j) => call({ modelName: j.model, rows: rowBatch([{ a: j.x, b: j.y }], schema) })));
    answers.forEach((res, i) => {
      const j = jobs[i];
      expect(res.modelName).toBe(j.model);
      expect(res.values[0]).toBeCloseTo(j.model === 'a' ? 2 * j.x - j.y + 1 : -j.x + 3 * j.y, 3);
    });
    const text = await metrics();
    for (const model of ['a', 'b']) {
      const count = sample(text, 'cityml_inference_batch_size_count', { model });
      // each model's batches hold exactly its own 20 rows, in fewer batches than requests
      expect(sample(text, 'cityml_inference_batch_size_sum', { model })).toBe(20);
      expect(count).toBeLessThan(20);
      expect(count).toBeGreaterThanOrEqual(1);
    }
  });

  it('runs every request alone when batching is off (max_batch_size 1)', async () => {
    await Promise.all(Array.from({ length: 12 }, (_, i) => call({ modelName: 'single', rows: rowBatch([{ a: i, b: 0 }], schema) })));
    const text = await metrics();
    expect(sample(text, 'cityml_inference_batch_size_count', { model: 'single' })).toBe(12);
    expect(sample(text, 'cityml_inference_batch_size_sum', { model: 'single' })).toBe(12);
  });

  it('takes a request whose deadline passes out of the queue with DEADLINE_EXCEEDED', async () => {
    const t0 = Date.now();
    const err = await call({ modelName: 'slow', rows: rowBatch([{ a: 1, b: 1 }], schema) }, 200).catch((e: CityMLClientError) => e);
    expect(err).toMatchObject({ code: status.DEADLINE_EXCEEDED });
    expect(Date.now() - t0).toBeLessThan(1_000);
    await new Promise((r) => setTimeout(r, 100));
    const text = await metrics();
    expect(sample(text, 'cityml_inference_requests_total', { model: 'slow', code: 'DEADLINE_EXCEEDED' })).toBe(1);
    expect(sample(text, 'cityml_inference_queue_depth', { model: 'slow' })).toBe(0);
    // the queue goes on: a request with time to spare waits out the queue delay and is answered
    const res = await call({ modelName: 'slow', rows: rowBatch([{ a: 1, b: 1 }], schema) }, 5_000);
    expect(res.values[0]).toBeCloseTo(2, 4);
    expect(sample(await metrics(), 'cityml_inference_batch_size_sum', { model: 'slow' })).toBe(1);
  });

  it('evicts the least recently used model when the tensor memory budget is exceeded, and reloads it on demand', async () => {
    const { manager } = inferenceInstances()[0];
    const saved = manager.settings.cacheBytes;
    const models = await Promise.all([1, 2, 3].map((s) => regressionModel(s)));
    for (const [i, m] of models.entries()) await publish(t.client, `lru${i}`, m, { alias: 'production' });
    const rows = rowBatch([{ speed: 40, lane: 'north' }], models[0].schema);
    try {
      await call({ modelName: 'lru0', rows });
      await call({ modelName: 'lru1', rows });
      const bytes = manager.list('default').find((e) => e.model.name === 'lru0')!.model.tensorBytes;
      expect(bytes).toBeGreaterThan(0);
      // one more model of this size no longer fits: the least recently used ones leave
      manager.settings.cacheBytes = manager.tensorBytes + bytes / 2;
      const before = tf.memory().numBytes;
      await call({ modelName: 'lru2', rows });
      const loaded = manager.list('default').map((e) => e.model.name);
      expect(loaded).toContain('lru2');
      expect(loaded).not.toContain('a'); // the least recently used went first
      expect(manager.tensorBytes).toBeLessThanOrEqual(manager.settings.cacheBytes);
      expect(tf.memory().numBytes).toBeLessThanOrEqual(before + bytes);
      expect(sample(await metrics(), 'cityml_inference_model_evictions_total', { model: 'a' })).toBe(1);
      const again = await call({ modelName: 'a', rows: rowBatch([{ a: 1, b: 1 }], schema) });
      expect(again.values[0]).toBeCloseTo(2, 4);
      expect(sample(await metrics(), 'cityml_inference_model_loads_total', { model: 'a', result: 'ok' })).toBe(2);
    } finally {
      manager.settings.cacheBytes = saved;
    }
  });

  it('makes the first request wait for the load within its deadline; the load goes on for the next', async () => {
    const model = tf.sequential({ layers: [tf.layers.dense({ units: 2048, inputShape: [2], activation: 'relu' }), tf.layers.dense({ units: 2048, activation: 'relu' }), tf.layers.dense({ units: 1 })] });
    const signature = { inputs: [{ name: 'x', dtype: 'float32', shape: [-1, 2] }], outputKind: 'regression' as const, inputColumns: ['a', 'b'] };
    await publish(t.client, 'big', { bytes: encodeBundle(await bundleFromModel(model, signature)), signature }, { alias: 'production' });
    const rows = rowBatch([{ a: 1, b: 2 }], schema);
    // 16 MB of weights: downloading, decoding and loading them takes longer than this deadline
    const err = await call({ modelName: 'big', rows }, 100).catch((e: CityMLClientError) => e);
    expect(err).toMatchObject({ code: status.DEADLINE_EXCEEDED });
    // the first request started the load, which goes on without it
    await new Promise((r) => setTimeout(r, 50));
    const listed = await unary(t.client.inference.raw.listLoadedModels.bind(t.client.inference.raw), {}, callOptions(t.client.options));
    expect(['loading', 'ready']).toContain(listed.models.find((m) => m.modelName === 'big')?.state);
    const res = await call({ modelName: 'big', rows }, 20_000);
    expect(res.values).toHaveLength(1);
    const text = await metrics();
    expect(sample(text, 'cityml_inference_model_loads_total', { model: 'big', result: 'ok' })).toBe(1);
    expect(sample(text, 'cityml_inference_requests_total', { model: 'big', code: 'OK' })).toBe(1);
  });

  it('loads the configured aliases at start, before the server reports ready', async () => {
    const other = await startTestPlatform({
      services: ['inference'],
      env: { CITYML_AUTH: 'off', CITYML_REGISTRY_ADDRESS: t.address, CITYML_INFERENCE_PRELOAD: 'b@production,a:1' },
    });
    try {
      const raw = other.client.inference.oip;
      let ready = false;
      for (let i = 0; i < 100 && !ready; i++) {
        ready = (await unary(raw.serverReady.bind(raw), {}, callOptions(other.client.options))).ready;
        if (!ready) await new Promise((r) => setTimeout(r, 50));
      }
      expect(ready).toBe(true);
      const listed = await unary(other.client.inference.raw.listLoadedModels.bind(other.client.inference.raw), {}, callOptions(other.client.options));
      expect(listed.models.map((m) => [m.modelName, m.version, m.state]).sort()).toEqual([
        ['a', 1, 'ready'],
        ['b', 1, 'ready'],
      ]);
      expect(listed.models.every((m) => m.requests === 1)).toBe(true);
    } finally {
      await other.stop();
    }
  });
});
