// Benchmark of the inference service.
// Usage: DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres node tools/run-ts.mjs bench/inference.ts [seconds]
// (a) 64 concurrent clients send single-row Predict for 10 s to a trained 16-feature dense
//     model, against the same client code calling a no-op unary method with a message of the
//     same size hosted by this benchmark (rps, p50, p99, ratio; target ≥ 0.7); again with
//     batching off (max_batch_size 1).
// (b) 256-row requests: rows/s through Predict against in-process transform + model.predict
//     on the same rows (target ≥ 0.6).
// Memory: resident size with 20 small models loaded (target < 400 MB).
// The load runs in a worker thread, so the server side has the main thread to itself, and
// sends pre-encoded requests (the same client code for every side).
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { Client, credentials } from '@grpc/grpc-js';
import * as tf from '@tensorflow/tfjs';
import { applyTransform, buildFeatureSet, buildModel, frameFromRows, initBackend, trainModel, type ColumnType, type FeatureSpec, type RowObject } from '@cityml/ml';
import { bundleFromModel, encodeBundle, type BundleSignature } from '@cityml/ml/bundle';
import { inference } from '@cityml/proto';
import { createLogger, startServer } from '@cityml/runtime';
import { startTestPlatform } from '@cityml/platform/testing';
import { inferenceInstances, TAG_MAX_BATCH_SIZE, TAG_MAX_QUEUE_DELAY_MS } from '@cityml/inference';
import { publish, regressionModel, rowBatch } from '../libs/services/inference/src/test-models';

const SECONDS = Number(process.argv[2] ?? 10);
const PREDICT = inference.InferenceServiceService.predict.path;
const FEATURES = 16;

interface Job {
  address: string;
  /** The encoded PredictRequest: sent as bytes, so client-side encoding costs both sides nothing. */
  request: Uint8Array;
  clients: number;
  ms: number;
}
interface Result {
  calls: number;
  errors: number;
  seconds: number;
  latencies: number[];
}

async function runLoad(job: Job): Promise<Result> {
  const client = new Client(job.address, credentials.createInsecure());
  const body = Buffer.from(job.request);
  const same = (b: Buffer) => b;
  const latencies: number[] = [];
  let errors = 0;
  const until = performance.now() + job.ms;
  const t0 = performance.now();
  const one = () =>
    new Promise<void>((resolve) => {
      const s = performance.now();
      client.makeUnaryRequest(PREDICT, same, same, body, (err) => {
        if (err) errors++;
        else latencies.push(performance.now() - s);
        resolve();
      });
    });
  await Promise.all(Array.from({ length: job.clients }, async () => {
    while (performance.now() < until) await one();
  }));
  const seconds = (performance.now() - t0) / 1000;
  client.close();
  return { calls: latencies.length, errors, seconds, latencies };
}

if (!isMainThread) {
  runLoad(workerData as Job).then((r) => parentPort!.postMessage(r));
} else {
  main().then(
    () => process.exit(0),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}

function inWorker(job: Job): Promise<Result> {
  return new Promise((resolve, reject) => {
    const w = new Worker(__filename, { workerData: job });
    w.once('message', (r: Result) => (resolve(r), void w.terminate()));
    w.once('error', reject);
  });
}

function merge(rs: Result[]): Result {
  return { calls: rs.reduce((n, r) => n + r.calls, 0), errors: rs.reduce((n, r) => n + r.errors, 0), seconds: rs.reduce((n, r) => n + r.seconds, 0), latencies: rs.flatMap((r) => r.latencies) };
}

function stats(r: Result) {
  const l = Float64Array.from(r.latencies).sort();
  const q = (p: number) => (l.length ? l[Math.min(l.length - 1, Math.floor(p * l.length))] : NaN);
  return { rps: r.calls / r.seconds, p50: q(0.5), p99: q(0.99), errors: r.errors };
}

const fmt = (s: ReturnType<typeof stats>) => `${s.rps.toFixed(0).padStart(7)} rps  p50 ${s.p50.toFixed(2)} ms  p99 ${s.p99.toFixed(2)} ms${s.errors ? `  errors ${s.errors}` : ''}`;

/** The 16-feature dense regression, trained for a few epochs on synthetic readings. */
async function trainedModel() {
  const schema: Record<string, ColumnType> = Object.fromEntries([...Array.from({ length: FEATURES }, (_, f) => [`f${f}`, 'number']), ['y', 'number']]);
  const rows: RowObject[] = Array.from({ length: 2000 }, (_, i) => {
    const r: RowObject = {};
    let y = 0;
    for (let f = 0; f < FEATURES; f++) y += (r[`f${f}`] = Math.sin(i * 0.37 * (f + 1))) * (f % 5) - f * 0.1;
    r.y = 100 + 10 * y;
    return r;
  });
  const spec: FeatureSpec = {
    task: 'regression',
    target: { column: 'y', steps: [{ kind: 'standardize' }] },
    features: Array.from({ length: FEATURES }, (_, f) => ({ column: `f${f}`, steps: [{ kind: 'impute' as const, strategy: 'mean' as const }, { kind: 'standardize' as const }] })),
  };
  const set = buildFeatureSet(spec, frameFromRows(rows, schema));
  const model = buildModel({ kind: 'dense', hiddenUnits: [64, 32] }, set.fitted, 1);
  const trained = await trainModel(model, { task: 'regression', params: { epochs: 5, batchSize: 64, learningRate: 0.01, optimizer: 'adam', seed: 1 }, train: set.train, validation: set.validation });
  const signature: BundleSignature = { inputs: [{ name: 'features', dtype: 'float32', shape: [-1, FEATURES] }], outputKind: 'regression', inputColumns: spec.features.map((f) => f.column), target: 'y' };
  const bytes = encodeBundle(await bundleFromModel(model, signature, JSON.parse(JSON.stringify(set.fitted))));
  return { model, fitted: set.fitted, rows, schema, bytes, signature, valLoss: trained.history.at(-1)?.valLoss };
}

async function main(): Promise<void> {
  const backend = await initBackend();
  const t = await startTestPlatform({ services: ['registry', 'inference'], env: { CITYML_AUTH: 'off' } });
  try {
    const raw = t.client.inference.raw;
    const call = (req: inference.PredictRequest) => new Promise<inference.PredictResponse>((res, rej) => raw.predict(req, (e, r) => (e ? rej(e) : res(r))));
    // Memory: 20 small models loaded.
    const small = await regressionModel(7, [16]);
    for (let i = 0; i < 20; i++) await publish(t.client, `small-${i}`, small, { alias: 'production' });
    for (let i = 0; i < 20; i++) await call(inference.PredictRequest.fromPartial({ modelName: `small-${i}`, rows: rowBatch([{ speed: 40, lane: 'north' }], small.schema) }));
    const loaded = inferenceInstances()[0].manager.list('default').filter((e) => e.model.state === 'ready').length;
    const rss = process.memoryUsage().rss / 2 ** 20;
    console.log(`memory: ${loaded} models loaded (${inferenceInstances()[0].manager.tensorBytes} tensor bytes), resident size ${rss.toFixed(0)} MB (target < 400 MB; the whole process: platform with registry and inference, before any load)`);
    const m = await trainedModel();
    console.log(`backend ${backend}; model: dense 16 → 64 → 32 → 1, trained 5 epochs (val loss ${m.valLoss?.toFixed(4)})`);
    await publish(t.client, 'bench', m, { alias: 'production' });
    await publish(t.client, 'bench-nobatch', m, { alias: 'production', tags: { [TAG_MAX_BATCH_SIZE]: '1', [TAG_MAX_QUEUE_DELAY_MS]: '0' } });
    const features = m.rows.map(({ y: _y, ...f }) => f);
    const singleRequest = (model: string) => inference.PredictRequest.fromPartial({ modelName: model, rows: rowBatch(features.slice(0, 1), m.schema) });
    const single = (model: string) => inference.PredictRequest.encode(singleRequest(model)).finish();
    const answer = await call(singleRequest('bench'));
    await call(singleRequest('bench-nobatch'));

    // The reference: a no-op Predict answering the same-size response, through the same server bootstrap.
    const noop = await startServer({
      config: { host: '127.0.0.1', port: 0, healthPort: 0, metricsPort: 0, maxMessageBytes: 16 << 20, maxConnectionAgeMs: 3_600_000, keepaliveMs: 30_000, reflection: false, shutdownTimeoutMs: 2_000 },
      log: createLogger({ level: 'silent', pretty: false }),
      services: [{ fullName: 'cityml.inference.v1.InferenceService', definition: inference.InferenceServiceService, implementation: { predict: async () => answer } as never }],
    });
    const ms = SECONDS * 1000;
    console.log(`\n(a) 64 clients, single-row Predict, ${SECONDS} s each (request ${single('bench').length} bytes, response ${inference.PredictResponse.encode(answer).finish().length} bytes)`);
    // Interleaved rounds, so that load from elsewhere on the machine hits every side alike.
    const rounds = 5;
    const sides = { ref: [] as Result[], batched: [] as Result[], unbatched: [] as Result[] };
    for (let r = 0; r < rounds; r++) {
      sides.ref.push(await inWorker({ address: `127.0.0.1:${noop.port}`, request: single('bench'), clients: 64, ms: ms / rounds }));
      sides.batched.push(await inWorker({ address: t.address, request: single('bench'), clients: 64, ms: ms / rounds }));
      sides.unbatched.push(await inWorker({ address: t.address, request: single('bench-nobatch'), clients: 64, ms: ms / rounds }));
    }
    const ref = stats(merge(sides.ref));
    const batched = stats(merge(sides.batched));
    const unbatched = stats(merge(sides.unbatched));
    console.log(`  no-op unary          ${fmt(ref)}`);
    console.log(`  Predict, batching    ${fmt(batched)}   ratio ${(batched.rps / ref.rps).toFixed(2)} (target ≥ 0.7)`);
    console.log(`  Predict, no batching ${fmt(unbatched)}   ratio ${(unbatched.rps / ref.rps).toFixed(2)}`);
    await noop.shutdown();

    // (b) 256-row requests against the in-process path on the same rows.
    const big = inference.PredictRequest.encode(inference.PredictRequest.fromPartial({ modelName: 'bench', rows: rowBatch(features.slice(0, 256), m.schema) })).finish();
    const frame = frameFromRows(features.slice(0, 256), m.schema);
    const local = (budget: number, batchSize?: number) => {
      let n = 0;
      const t0 = performance.now();
      while (performance.now() - t0 < budget) {
        const a = applyTransform(m.fitted, frame, { mode: 'serve' });
        tf.tidy(() => (m.model.predict(tf.tensor2d(a.x, [a.shape[0], a.shape[1]]), { batchSize: batchSize ?? a.shape[0] }) as tf.Tensor).dataSync());
        n++;
      }
      return { rows: n * 256, seconds: (performance.now() - t0) / 1000 };
    };
    const servedParts: Result[] = [];
    const localParts: { rows: number; seconds: number }[] = [];
    const defaultParts: { rows: number; seconds: number }[] = [];
    for (let r = 0; r < rounds; r++) {
      defaultParts.push(local(ms / 4 / rounds, 32));
      servedParts.push(await inWorker({ address: t.address, request: big, clients: 16, ms: ms / 2 / rounds }));
      localParts.push(local(ms / 2 / rounds));
    }
    const served = merge(servedParts);
    const servedRows = (served.calls * 256) / served.seconds;
    const rate = (ps: { rows: number; seconds: number }[]) => ps.reduce((n, p) => n + p.rows, 0) / ps.reduce((n, p) => n + p.seconds, 0);
    const localRows = rate(localParts);
    const defaultRows = rate(defaultParts);
    console.log(`\n(b) 256-row requests, 16 clients: ${servedRows.toFixed(0)} rows/s; in-process transform + model.predict: ${localRows.toFixed(0)} rows/s; ratio ${(servedRows / localRows).toFixed(2)} (target ≥ 0.6)${served.errors ? `; errors ${served.errors}` : ''}`);
    console.log(`    (against model.predict with its default batchSize 32: ${defaultRows.toFixed(0)} rows/s; ratio ${(servedRows / defaultRows).toFixed(2)})`);

  } finally {
    await t.stop();
  }
}
