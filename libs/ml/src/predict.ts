import * as tf from '@tensorflow/tfjs';
import type { BundleSignature } from './bundle';
import type { Frame } from './frame/frame';
import { applyTransform, AppliedFeatures } from './transforms/apply';
import type { FittedTransform } from './transforms/fitted';
import { isClassTask, targetToUnits } from './transforms/target';
import type { Task } from './transforms/spec';
import { argmaxRow } from './metrics/classification';

/** A regression answer per input row, in the target's units. */
export interface RegressionPrediction {
  task: 'regression';
  values: Float64Array;
  /** Input row of each value. */
  rows: Int32Array;
}
/** A class label and the per-class probabilities ([n, classes] row-major) per input row. */
export interface ClassPrediction {
  task: 'classification' | 'text_classification';
  labels: string[];
  classes: string[];
  probabilities: Float32Array;
  rows: Int32Array;
}
/** H values per group ([groups, H] row-major, target units) from the end of each group's history. */
export interface ForecastPrediction {
  task: 'forecast';
  horizon: number;
  groups: string[];
  /** Epoch microseconds of each group's first forecast step. */
  origins: Float64Array;
  /** Seconds between forecast steps. */
  frequencySeconds: number;
  values: Float64Array;
}
/** What {@link predict} returns. */
export type Prediction = RegressionPrediction | ClassPrediction | ForecastPrediction;

/** A model {@link runModel} can call. */
export type PredictModel = tf.LayersModel | tf.GraphModel;

/**
 * Runs the model on row-major inputs in chunks of `batchSize` rows and returns the
 * row-major outputs (first output tensor).
 */
export async function runModel(model: PredictModel, x: Float32Array, shape: number[], batchSize = 256): Promise<Float32Array> {
  const n = shape[0];
  const size = shape.slice(1).reduce((a, b) => a * b, 1);
  if (n === 0) return new Float32Array(0);
  const parts: Float32Array[] = [];
  for (let start = 0; start < n; start += batchSize) {
    const m = Math.min(batchSize, n - start);
    const input = tf.tensor(x.subarray(start * size, (start + m) * size), [m, ...shape.slice(1)]);
    // One batch of m rows, not predict()'s default chunks of 32; on wasm, batches of 32–256
    // rows run fastest (very large ones are several times slower).
    const out = model.predict(input, { batchSize: m }) as tf.Tensor | tf.Tensor[];
    const first = Array.isArray(out) ? out[0] : out;
    parts.push((await first.data()) as Float32Array);
    tf.dispose([input, ...(Array.isArray(out) ? out : [out])]);
  }
  if (parts.length === 1) return parts[0];
  const total = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
  let off = 0;
  for (const p of parts) {
    total.set(p, off);
    off += p.length;
  }
  return total;
}

/** Turns raw model outputs for `applied` into answers in the target's terms. */
export function decodeOutputs(fitted: FittedTransform, applied: AppliedFeatures, outputs: Float32Array): Prediction {
  const task: Task = fitted.task;
  if (task === 'forecast') {
    const fc = fitted.forecast;
    return {
      task,
      horizon: fitted.outputSize,
      groups: applied.groups ?? [],
      origins: applied.origins ?? new Float64Array(0),
      frequencySeconds: fc ? fc.frequencySeconds : 0,
      values: targetToUnits(fitted.target, outputs),
    };
  }
  const rows = applied.rows ?? Int32Array.from({ length: applied.shape[0] }, (_, i) => i);
  if (isClassTask(task) && fitted.target.kind === 'classes') {
    const k = fitted.outputSize;
    const classes = fitted.target.classes;
    const labels = Array.from({ length: rows.length }, (_, i) => classes[argmaxRow(outputs, i, k)]);
    return { task: task as ClassPrediction['task'], labels, classes, probabilities: outputs, rows };
  }
  return { task: 'regression', values: targetToUnits(fitted.target, outputs), rows };
}

/**
 * The serving path: applies the fitted transform to raw rows (serve mode: no target
 * needed; a forecast reads the history rows per group), runs the model and decodes.
 * @throws InputError (INVALID_ARGUMENT) for a missing or mistyped column or too little history.
 */
export async function predict(model: PredictModel, fitted: FittedTransform, frame: Frame): Promise<Prediction> {
  const applied = applyTransform(fitted, frame, { mode: 'serve' });
  const outputs = await runModel(model, applied.x, applied.shape);
  return decodeOutputs(fitted, applied, outputs);
}

/**
 * The bundle signature of a trained model (see ./bundle): one float32 input `x` of the
 * fitted input shape, the output kind, class labels or horizon, and the raw columns the
 * fitted transform reads.
 */
export function signatureFor(fitted: FittedTransform): BundleSignature {
  const outputKind = fitted.task === 'forecast' ? 'forecast' : isClassTask(fitted.task) ? 'classification' : 'regression';
  const columns = new Set(fitted.columns.map((c) => c.column));
  if (fitted.forecast) {
    columns.add(fitted.forecast.timeColumn);
    if (fitted.forecast.groupColumn) columns.add(fitted.forecast.groupColumn);
    columns.add(fitted.target.column);
  }
  return {
    inputs: [{ name: 'x', dtype: 'float32', shape: [-1, ...fitted.inputShape] }],
    outputKind,
    ...(fitted.target.kind === 'classes' ? { classLabels: fitted.target.classes } : {}),
    ...(fitted.forecast ? { horizon: fitted.forecast.horizon } : {}),
    inputColumns: [...columns],
    target: fitted.target.column,
  };
}
