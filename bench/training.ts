// Benchmark of a training job (SubmitJob → DONE) against bare model.fit of the same network.
// Usage: DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres node tools/run-ts.mjs bench/training.ts [rows]
// The same dense net (16 inputs → 64 → 32 → 1, adam, batch 256, 20 epochs) on the same
// 100,000-row feature set (ingested and materialized through the real services): once
// through SubmitJob (a worker thread, checkpoints, evaluation, registration) and once with
// bare tf model.fit in this process on the same backend. Prints both times, their ratio
// (target ≤ 1.15) and the time from submit to the first epoch (target < 1 s).
import * as tf from '@tensorflow/tfjs';
import { initBackend, mulberry32 } from '@cityml/ml';
import { common, preprocessing } from '@cityml/proto';
import { startTestPlatform } from '@cityml/platform/testing';
import { PostgresArtifactStore, createDb } from '@cityml/db';

const T = common.ColumnType;
const ROWS = Number(process.argv[2] ?? 100_000);
const FEATURES = 16;
const EPOCHS = 20;
const BATCH = 256;

function generate(n: number): { x: Float64Array[]; y: Float64Array } {
  const rng = mulberry32(1);
  const x = Array.from({ length: FEATURES }, () => new Float64Array(n));
  const y = new Float64Array(n);
  const w = Array.from({ length: FEATURES }, (_, k) => (k % 2 ? 1 : -1) * (1 + k / 8));
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0; k < FEATURES; k++) {
      const v = rng() * 2 - 1;
      x[k][i] = v;
      s += w[k] * v;
    }
    y[i] = s + Math.sin(3 * x[0][i]) + (rng() - 0.5) * 0.1;
  }
  return { x, y };
}

async function main(): Promise<void> {
  const t = await startTestPlatform({ services: ['ingestion', 'preprocessing', 'registry', 'training'] });
  const db = createDb(t.databaseUrl, { max: 2 });
  try {
    const { x, y } = generate(ROWS);
    const names = Array.from({ length: FEATURES }, (_, k) => `x${k}`);
    await t.client.ingestion.createDataset({
      name: 'bench',
      schema: { columns: [...names, 'y'].map((name) => ({ name, type: T.COLUMN_TYPE_NUMBER, nullable: false, description: '' })), timeColumn: '', timeZone: '' },
    });
    const chunk = 16_384;
    await t.client.ingestion.ingest('bench', (function* () {
      for (let at = 0; at < ROWS; at += chunk) {
        const end = Math.min(ROWS, at + chunk);
        yield { rowCount: end - at, columns: [...names.map((name, k) => ({ name, type: T.COLUMN_TYPE_NUMBER, numbers: x[k].subarray(at, end) })), { name: 'y', type: T.COLUMN_TYPE_NUMBER, numbers: y.subarray(at, end) }] };
      }
    })());
    const created = await t.client.preprocessing.createFeatureSet({
      dataset: 'bench',
      spec: preprocessing.FeatureSpec.fromPartial({
        target: 'y', task: preprocessing.Task.TASK_REGRESSION,
        features: names.map((column) => ({ column, steps: [] })),
        split: { random: { validationFraction: 0.1, testFraction: 0.1, seed: 1 } },
      }),
    });
    const fs = await t.client.preprocessing.waitForFeatureSet(created.featureSet!.id);
    console.log(`feature set ${fs.id}: train ${fs.train!.xShape.join('×')}, validation ${fs.validation!.xShape.join('×')}, test ${fs.test!.xShape.join('×')}`);

    // Bare model.fit in this process, same backend, same tensors, same validation data.
    const backend = await initBackend();
    const store = new PostgresArtifactStore(db);
    const tensor = async (id: string, shape: number[]) => {
      const b = await store.getBuffer(t.tenant, id);
      return tf.tensor(new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length)), shape);
    };
    const [xt, yt, xv, yv] = await Promise.all([
      tensor(fs.train!.xArtifactId, fs.train!.xShape), tensor(fs.train!.yArtifactId, fs.train!.yShape),
      tensor(fs.validation!.xArtifactId, fs.validation!.xShape), tensor(fs.validation!.yArtifactId, fs.validation!.yShape),
    ]);
    const bareFit = async () => {
      const model = tf.sequential({
        layers: [
          tf.layers.dense({ inputShape: [FEATURES], units: 64, activation: 'relu' }),
          tf.layers.dense({ units: 32, activation: 'relu' }),
          tf.layers.dense({ units: 1 }),
        ],
      });
      model.compile({ optimizer: tf.train.adam(0.001), loss: 'meanSquaredError', metrics: ['mae'] });
      const c0 = process.cpuUsage();
      const b0 = performance.now();
      const h = await model.fit(xt, yt, { epochs: EPOCHS, batchSize: BATCH, validationData: [xv, yv], shuffle: true, verbose: 0 });
      const wall = (performance.now() - b0) / 1000;
      const c = process.cpuUsage(c0);
      model.dispose();
      return { wall, cpu: (c.user + c.system) / 1e6, valLoss: h.history.val_loss.at(-1) as number };
    };

    // Bare before and after the job, so a change in the machine's load shows.
    const bare1 = await bareFit();

    // Through the service: SubmitJob → DONE, and the first epoch event.
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const job = await t.client.training.submitJob({
      featureSetId: fs.id, modelName: 'bench',
      model: { hiddenUnits: [64, 32], activation: 'relu' },
      hyperparameters: { epochs: EPOCHS, batchSize: BATCH, learningRate: 0.001, seed: 1 },
    });
    let firstEpoch = 0;
    const done = await t.client.training.waitForJob(job.id, (e) => {
      if (e.epoch && !firstEpoch) firstEpoch = performance.now() - t0;
    });
    const service = (performance.now() - t0) / 1000;
    const cu = process.cpuUsage(c0);
    const serviceCpu = (cu.user + cu.system) / 1e6; // every thread of this process: RPCs, worker, Postgres I/O
    const epochSum = done.history.reduce((s, h) => s + h.seconds, 0);
    const bare2 = await bareFit();
    const bare = (bare1.wall + bare2.wall) / 2;
    const bareCpu = (bare1.cpu + bare2.cpu) / 2;

    console.log(`backend: service ${done.backend}, bare ${backend}`);
    console.log(`job ${done.id}: ${done.state === 3 ? 'DONE' : done.state} on attempt ${done.attempt}, rmse ${done.evaluation?.metrics.rmse.toFixed(4)} (mean baseline ${done.evaluation?.baselines[0]?.metrics.rmse.toFixed(4)}), version ${done.modelVersion}`);
    console.log(`bare final val loss ${bare2.valLoss.toFixed(5)}, service final val loss ${done.history.at(-1)?.valLoss.toFixed(5)}`);
    console.log(`SubmitJob → DONE:        ${service.toFixed(2)} s wall, ${serviceCpu.toFixed(2)} s CPU (epochs alone ${epochSum.toFixed(2)} s)`);
    console.log(`bare model.fit:          ${bare.toFixed(2)} s wall (${bare1.wall.toFixed(2)} before, ${bare2.wall.toFixed(2)} after), ${bareCpu.toFixed(2)} s CPU`);
    console.log(`ratio:                   ${(service / bare).toFixed(3)} wall, ${(serviceCpu / bareCpu).toFixed(3)} CPU (target ≤ 1.15)`);
    const startup = done.trainStartTime && done.createTime ? (done.trainStartTime.getTime() - done.createTime.getTime()) / 1000 : NaN;
    const claimed = done.startTime && done.createTime ? (done.startTime.getTime() - done.createTime.getTime()) / 1000 : NaN;
    console.log(`submit → first batch:    ${startup.toFixed(3)} s (target < 1 s; claimed after ${claimed.toFixed(3)} s, then tensors downloaded, worker thread and network ready)`);
    console.log(`submit → first epoch:    ${(firstEpoch / 1000).toFixed(3)} s (of which the epoch itself ${done.history[0]?.seconds.toFixed(3)} s)`);
    tf.dispose([xt, yt, xv, yv]);
  } finally {
    await db.end();
    await t.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
