import * as tf from '@tensorflow/tfjs';
import { backendCapabilities } from '../backend';
import { UnsupportedError } from '../errors';
import { mixSeed, mulberry32, permutation } from '../random';
import type { Task } from '../transforms/spec';
import { compileModel, metricFor } from './build';
import type { TrainingCheckpoint } from './checkpoint';
import { SeededDropout } from './seeded-dropout';
import type { TrainingParams } from './spec';
import { getModelWeights, getOptimizerWeights, setModelWeights, setOptimizerWeights } from './weights';

/** Examples as typed arrays (an AppliedFeatures with y fits). */
export interface TensorData {
  x: Float32Array;
  shape: number[];
  y?: Float32Array;
  yShape?: number[];
}

/** One epoch's numbers, as WatchJob streams them. */
export interface EpochLog {
  /** 1-based. */
  epoch: number;
  loss: number;
  valLoss: number | null;
  /** `mae` or `acc`, and `val_mae` / `val_acc` with a validation set. */
  metrics: Record<string, number>;
  seconds: number;
}

/** Options of {@link trainModel}. */
export interface TrainOptions {
  task: Task;
  params: TrainingParams;
  train: TensorData;
  validation?: TensorData;
  onEpoch?: (log: EpochLog) => void | Promise<void>;
  /** Called after every epoch with a checkpoint to store; a retried job passes it back as `resumeFrom`. */
  onCheckpoint?: (checkpoint: TrainingCheckpoint) => void | Promise<void>;
  /** Polled before every batch; true cancels the run. */
  shouldStop?: () => boolean;
  resumeFrom?: TrainingCheckpoint;
  /** Yield to the event loop every this many batches (default 8). */
  yieldEveryBatches?: number;
}

/** How a run ended. */
export interface TrainResult {
  history: EpochLog[];
  epochsRun: number;
  /** Epoch (1-based) whose weights the model holds after early stopping, else null. */
  bestEpoch: number | null;
  stoppedEarly: boolean;
  cancelled: boolean;
}

const rows = (d: TensorData) => d.shape[0];
const rowSize = (shape: number[]) => shape.slice(1).reduce((a, b) => a * b, 1);

function labels(d: TensorData): { y: Float32Array; yShape: number[] } {
  if (!d.y) throw new Error('training data has no targets');
  return { y: d.y, yShape: d.yShape ?? [rows(d), d.y.length / Math.max(1, rows(d))] };
}

function gather(src: Float32Array, size: number, order: Int32Array, from: number, to: number, out: Float32Array): void {
  for (let j = from, o = 0; j < to; j++) {
    const base = order[j] * size;
    for (let c = 0; c < size; c++) out[o++] = src[base + c];
  }
}

async function evaluate(model: tf.LayersModel, d: TensorData): Promise<number[]> {
  const { y, yShape } = labels(d);
  const xt = tf.tensor(d.x, d.shape);
  const yt = tf.tensor(y, yShape);
  const out = model.evaluate(xt, yt, { batchSize: 4096 });
  const scalars = Array.isArray(out) ? out : [out];
  const values = await Promise.all(scalars.map(async (s) => (await s.data())[0]));
  tf.dispose([xt, yt, ...scalars]);
  return values;
}

async function runEpoch(model: tf.LayersModel, opts: TrainOptions, epoch: number): Promise<{ values: number[]; cancelled: boolean }> {
  const { x, shape } = opts.train;
  const { y, yShape } = labels(opts.train);
  const n = rows(opts.train);
  const xs = rowSize(shape);
  const ys = rowSize(yShape);
  const bs = Math.min(opts.params.batchSize, n);
  const order = permutation(n, mulberry32(mixSeed(opts.params.seed ?? 0, epoch)));
  const xb = new Float32Array(bs * xs);
  const yb = new Float32Array(bs * ys);
  const sums: number[] = [];
  const every = opts.yieldEveryBatches ?? 8;
  for (let start = 0, b = 0; start < n; start += bs, b++) {
    if (opts.shouldStop?.()) return { values: [], cancelled: true };
    const end = Math.min(n, start + bs);
    const m = end - start;
    gather(x, xs, order, start, end, xb);
    gather(y, ys, order, start, end, yb);
    const xt = tf.tensor(m === bs ? xb : xb.subarray(0, m * xs), [m, ...shape.slice(1)]);
    const yt = tf.tensor(m === bs ? yb : yb.subarray(0, m * ys), [m, ...yShape.slice(1)]);
    const out = await model.trainOnBatch(xt, yt);
    tf.dispose([xt, yt]);
    (Array.isArray(out) ? out : [out]).forEach((v, k) => (sums[k] = (sums[k] ?? 0) + v * m));
    if (every > 0 && b % every === every - 1) await new Promise((r) => setImmediate(r));
  }
  return { values: sums.map((s) => s / n), cancelled: false };
}

/**
 * Refuses, before any work, a model with a layer the active backend cannot differentiate
 * (Conv1D and Embedding on wasm), so a job never fails halfway.
 * @throws UnsupportedError naming the layer and the backend.
 */
export function assertTrainable(model: tf.LayersModel, backend: string = tf.getBackend()): void {
  const caps = backendCapabilities(backend);
  for (const layer of model.layers) {
    const cls = layer.getClassName();
    if ((cls === 'Conv1D' && !caps.conv1d) || (cls === 'Embedding' && !caps.embedding)) {
      throw new UnsupportedError(`${cls} layers cannot be trained on the ${backend} backend (missing gradient kernels)`);
    }
  }
}

/**
 * Compiles and trains a model built by {@link buildModel}: per-epoch shuffles from the
 * seeded PRNG (seed mixed with the epoch, so a resumed run shuffles as an uninterrupted one),
 * validation loss and metric after each epoch, early stopping that restores the best
 * weights, a checkpoint after each epoch and a cancellation check before each batch.
 * Resuming restores weights, optimizer state and dropout mask counters.
 * @throws UnsupportedError for a layer the backend cannot train (see {@link assertTrainable}).
 */
export async function trainModel(model: tf.LayersModel, opts: TrainOptions): Promise<TrainResult> {
  assertTrainable(model);
  compileModel(model, opts.task, opts.params);
  const ckpt = opts.resumeFrom;
  const bs = Math.min(opts.params.batchSize, Math.max(1, rows(opts.train)));
  const batchesPerEpoch = Math.ceil(rows(opts.train) / bs);
  if (ckpt) {
    setModelWeights(model, ckpt.weights);
    if (ckpt.optimizer) await setOptimizerWeights(model.optimizer, ckpt.optimizer);
    for (const layer of model.layers) if (layer instanceof SeededDropout) layer.setCallCount(ckpt.epoch * batchesPerEpoch);
  }
  const history = [...(ckpt?.history ?? [])];
  let best = ckpt?.best ?? null;
  let wait = ckpt?.wait ?? 0;
  const metric = metricFor(opts.task);
  const es = opts.params.earlyStopping;
  let stoppedEarly = false;
  for (let epoch = ckpt?.epoch ?? 0; epoch < opts.params.epochs; epoch++) {
    const t0 = performance.now();
    const run = await runEpoch(model, opts, epoch);
    if (run.cancelled) return { history, epochsRun: epoch, bestEpoch: null, stoppedEarly: false, cancelled: true };
    const metrics: Record<string, number> = { [metric]: run.values[1] };
    let valLoss: number | null = null;
    if (opts.validation && rows(opts.validation) > 0) {
      const v = await evaluate(model, opts.validation);
      valLoss = v[0];
      metrics[`val_${metric}`] = v[1];
    }
    const log: EpochLog = { epoch: epoch + 1, loss: run.values[0], valLoss, metrics, seconds: (performance.now() - t0) / 1000 };
    history.push(log);
    const monitored = valLoss ?? log.loss;
    if (es) {
      if (best === null || monitored < best.loss - (es.minDelta ?? 0)) {
        best = { epoch: epoch + 1, loss: monitored, weights: await getModelWeights(model) };
        wait = 0;
      } else wait++;
      stoppedEarly = wait >= es.patience && epoch + 1 < opts.params.epochs;
    }
    await opts.onEpoch?.(log);
    if (opts.onCheckpoint) {
      const optimizer = await getOptimizerWeights(model.optimizer);
      await opts.onCheckpoint({ epoch: epoch + 1, weights: await getModelWeights(model), optimizer, best, wait, history: [...history] });
    }
    if (stoppedEarly) break;
  }
  if (es && best) setModelWeights(model, best.weights);
  return { history, epochsRun: history.length, bestEpoch: es && best ? best.epoch : null, stoppedEarly, cancelled: false };
}
