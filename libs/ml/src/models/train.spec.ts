import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../backend';
import { regressionMetrics } from '../metrics/regression';
import { mulberry32 } from '../random';
import { buildModel } from './build';
import { decodeCheckpoint, encodeCheckpoint, TrainingCheckpoint } from './checkpoint';
import { TensorData, trainModel } from './fit';
import type { ModelIO, ModelSpec, TrainingParams } from './spec';
import { getModelWeights } from './weights';

/** y = 3·x1 − 2·x2 + noise, x uniform in [-1, 1]. */
function linearData(n: number, seed: number): TensorData {
  const rng = mulberry32(seed);
  const x = new Float32Array(n * 2);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    x[2 * i] = rng() * 2 - 1;
    x[2 * i + 1] = rng() * 2 - 1;
    y[i] = 3 * x[2 * i] - 2 * x[2 * i + 1] + (rng() - 0.5) * 0.2;
  }
  return { x, shape: [n, 2], y, yShape: [n, 1] };
}

const io: ModelIO = { task: 'regression', inputShape: [2], outputSize: 1 };
const spec: ModelSpec = { kind: 'dense', hiddenUnits: [16], dropout: 0.1 };
const params: TrainingParams = { epochs: 12, batchSize: 32, learningRate: 0.02, optimizer: 'adam', seed: 7 };
const train = linearData(1500, 1);
const validation = linearData(300, 2);

async function weightsAfter(p: TrainingParams, extra: Partial<Parameters<typeof trainModel>[1]> = {}) {
  const model = buildModel(spec, io, p.seed);
  const result = await trainModel(model, { task: 'regression', params: p, train, validation, ...extra });
  const w = new Float32Array((await getModelWeights(model)).data);
  model.dispose();
  return { w, result };
}

describe('training', () => {
  beforeAll(() => initBackend());

  it('learns y = 3·x1 − 2·x2 to R² above 0.95 in a few seconds', async () => {
    const model = buildModel(spec, io, 7);
    const logs: number[] = [];
    const t0 = performance.now();
    await trainModel(model, { task: 'regression', params, train, validation, onEpoch: (l) => void logs.push(l.valLoss!) });
    expect(performance.now() - t0).toBeLessThan(5000);
    const test = linearData(500, 3);
    const pred = (model.predict(tf.tensor(test.x, test.shape)) as tf.Tensor).dataSync();
    expect(regressionMetrics(test.y!, pred).r2).toBeGreaterThan(0.95);
    expect(logs).toHaveLength(12);
    expect(logs[11]).toBeLessThan(logs[0]);
  });

  it('gives identical weights for the same seed and different ones for another', async () => {
    const short = { ...params, epochs: 2 };
    const a = await weightsAfter(short);
    const b = await weightsAfter(short);
    const c = await weightsAfter({ ...short, seed: 8 });
    expect(Array.from(a.w)).toEqual(Array.from(b.w));
    expect(Array.from(a.w)).not.toEqual(Array.from(c.w));
  });

  it('resumes from an epoch checkpoint exactly where an uninterrupted run would be', async () => {
    const full = await weightsAfter({ ...params, epochs: 4 });
    let saved: Uint8Array | undefined;
    await weightsAfter({ ...params, epochs: 4 }, {
      onCheckpoint: (c: TrainingCheckpoint) => void (c.epoch === 2 && (saved = encodeCheckpoint(c))),
      shouldStop: () => saved !== undefined,
    });
    expect(decodeCheckpoint(saved!).epoch).toBe(2);
    const resumed = await weightsAfter({ ...params, epochs: 4 }, { resumeFrom: decodeCheckpoint(saved!) });
    expect(resumed.result.history.map((h) => h.epoch)).toEqual([1, 2, 3, 4]);
    // equal up to float rounding (Adam recomputes beta^t on restore instead of accumulating it)
    Array.from(full.w).forEach((v, i) => expect(Math.abs(resumed.w[i] - v)).toBeLessThan(1e-5));
  });

  it('stops early when validation loss stalls and restores the best weights', async () => {
    const rng = mulberry32(11);
    const noisy: TensorData = { ...validation, y: validation.y!.map(() => rng() * 100) };
    const model = buildModel(spec, io, 7);
    const result = await trainModel(model, {
      task: 'regression',
      params: { ...params, epochs: 50, earlyStopping: { patience: 2 } },
      train,
      validation: noisy,
    });
    expect(result.stoppedEarly).toBe(true);
    const best = result.history[result.bestEpoch! - 1].valLoss!;
    expect(result.history.length).toBe(result.bestEpoch! + 2);
    const yt = tf.tensor(noisy.y!, noisy.yShape!);
    model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const restored = (model.evaluate(tf.tensor(noisy.x, noisy.shape), yt) as tf.Scalar).dataSync()[0];
    expect(Math.abs(restored - best) / best).toBeLessThan(1e-5);
  });

  it('stops between batches when cancelled', async () => {
    let batches = 0;
    const result = await trainModel(buildModel(spec, io, 7), {
      task: 'regression',
      params,
      train,
      shouldStop: () => ++batches > 5,
    });
    expect(result.cancelled).toBe(true);
    expect(result.epochsRun).toBe(0);
  });

  it('trains separable classes to high accuracy', async () => {
    const rng = mulberry32(5);
    const n = 900;
    const x = new Float32Array(n * 2);
    const y = new Float32Array(n);
    const centers = [[-2, 0], [2, 0], [0, 2.5]];
    for (let i = 0; i < n; i++) {
      const c = i % 3;
      x[2 * i] = centers[c][0] + rng() - 0.5;
      x[2 * i + 1] = centers[c][1] + rng() - 0.5;
      y[i] = c;
    }
    const data = { x, shape: [n, 2], y, yShape: [n, 1] };
    const model = buildModel({ kind: 'dense', hiddenUnits: [8] }, { task: 'classification', inputShape: [2], outputSize: 3 }, 1);
    const result = await trainModel(model, { task: 'classification', params: { ...params, epochs: 8 }, train: data, validation: data });
    expect(result.history[result.history.length - 1].metrics.val_acc).toBeGreaterThan(0.9);
  });

  it('trains an LSTM and a GRU over sequences on this backend', async () => {
    const n = 64;
    const x = Float32Array.from({ length: n * 5 }, (_, i) => Math.sin(i / 3));
    const y = Float32Array.from({ length: n * 2 }, (_, i) => Math.sin(i / 2));
    for (const kind of ['lstm', 'gru'] as const) {
      const model = buildModel({ kind, recurrentUnits: 4 }, { task: 'forecast', inputShape: [5, 1], outputSize: 2 }, 3);
      const result = await trainModel(model, {
        task: 'forecast',
        params: { ...params, epochs: 2, batchSize: 16 },
        train: { x, shape: [n, 5, 1], y, yShape: [n, 2] },
      });
      expect(Number.isFinite(result.history[1].loss)).toBe(true);
    }
  });
});
