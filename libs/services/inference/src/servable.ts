import * as tf from '@tensorflow/tfjs';
import { applyTransform, deserializeTransform, InputError, targetToUnits, type FittedTransform, type Frame } from '@cityml/ml';
import { loadBundleModel, type BundleSignature, type ModelBundle } from '@cityml/ml/bundle';
import { InvalidArgumentError } from '@cityml/runtime';
import type { InputColumn } from './rows';

/** What a model predicts. */
export type OutputKind = BundleSignature['outputKind'];

/** Model-ready inputs of one request: one row-major array per model input. */
export interface Prepared {
  /** Examples (rows, or forecast series). */
  examples: number;
  inputs: Float32Array[];
  /** Forecast: the series of each example. */
  groups?: string[];
}

/** A request's answer in target units. */
export interface Prediction {
  kind: OutputKind;
  /** Regression: one value per row. */
  values?: Float64Array;
  /** Classification: label per row and row-major probabilities [rows, classes]. */
  labels?: string[];
  probabilities?: Float64Array;
  classLabels?: string[];
  /** Forecast: `horizon` values per group, row-major. */
  groups?: string[];
  forecast?: Float64Array;
  horizon?: number;
}

/** Maps an ml InputError to INVALID_ARGUMENT naming the column and row. */
export function inputErrorToStatus(err: unknown): unknown {
  if (!(err instanceof InputError)) return err;
  const detail = { reason: err.message, ...(err.column ? { column: err.column } : {}), ...(err.row !== undefined ? { row: err.row } : {}) };
  return new InvalidArgumentError(err.message, [detail]);
}

function sizeOf(shape: readonly (number | null)[]): number {
  return shape.slice(1).reduce<number>((n, d) => n * (d === null || d < 0 ? 1 : d), 1);
}

function softmaxRow(out: Float64Array, at: number, k: number): void {
  let max = -Infinity;
  for (let j = 0; j < k; j++) max = Math.max(max, out[at + j]);
  let sum = 0;
  for (let j = 0; j < k; j++) sum += out[at + j] = Math.exp(out[at + j] - max);
  for (let j = 0; j < k; j++) out[at + j] /= sum;
}

/**
 * A loaded model version: its TF.js model, fitted transform (trained models) or declared
 * inputs (imported models), and the code that turns raw frames into predictions. The
 * transform is libs/ml's applyTransform, the very code training materialized with.
 */
export class Servable {
  readonly kind: OutputKind;
  readonly inputColumns: InputColumn[];
  /** Floats per example of each model input. */
  readonly exampleSizes: number[];
  readonly outputWidth: number;
  readonly classLabels: string[];
  readonly horizon: number;

  private constructor(
    readonly model: tf.LayersModel,
    readonly signature: BundleSignature,
    readonly fitted: FittedTransform | undefined,
  ) {
    this.kind = signature.outputKind;
    this.exampleSizes = model.inputs.map((t) => sizeOf(t.shape));
    this.outputWidth = sizeOf(model.outputs[0].shape);
    this.classLabels = fitted?.target.kind === 'classes' ? fitted.target.classes : (signature.classLabels ?? []);
    this.horizon = fitted?.forecast?.horizon ?? signature.horizon ?? this.outputWidth;
    this.inputColumns = fitted ? trainedColumns(fitted) : importedColumns(signature, this.exampleSizes);
    if (this.kind === 'classification' && this.classLabels.length === 0) throw new Error('a classification model without class labels');
  }

  /** Loads the bundle's model (and transform) and checks they fit together. */
  static async load(bundle: ModelBundle): Promise<Servable> {
    const fitted = bundle.transform === undefined || bundle.transform === null ? undefined : deserializeTransform(bundle.transform as string | object);
    const model = await loadBundleModel(bundle);
    try {
      const s = new Servable(model, bundle.signature, fitted);
      if (fitted && s.exampleSizes.length === 1 && s.exampleSizes[0] !== fitted.inputShape.reduce((a, b) => a * b, 1)) {
        throw new Error(`the model takes ${s.exampleSizes[0]} features, the transform writes ${fitted.inputShape.join('x')}`);
      }
      return s;
    } catch (err) {
      model.dispose();
      throw err;
    }
  }

  /** Turns a raw frame into model inputs. @throws InvalidArgumentError naming the column / row. */
  prepare(frame: Frame): Prepared {
    if (this.fitted) {
      try {
        const a = applyTransform(this.fitted, frame, { mode: 'serve' });
        return { examples: a.shape[0], inputs: [a.x], ...(a.groups ? { groups: a.groups } : {}) };
      } catch (err) {
        throw inputErrorToStatus(err);
      }
    }
    return this.prepareImported(frame);
  }

  private prepareImported(frame: Frame): Prepared {
    const n = frame.rowCount;
    const inputs = this.exampleSizes.map((k) => new Float32Array(n * k));
    let c = 0;
    this.exampleSizes.forEach((k, i) => {
      for (let j = 0; j < k; j++, c++) {
        const name = this.inputColumns[c].name;
        const col = frame.columns[name];
        for (let r = 0; r < n; r++) {
          if (col.nulls?.[r] || Number.isNaN(col.values[r])) {
            throw new InvalidArgumentError(`column ${name}, row ${r}: null, the model takes no nulls`, [{ column: name, row: r, reason: 'null' }]);
          }
          inputs[i][r * k + j] = col.values[r] as number;
        }
      }
    });
    return { examples: n, inputs };
  }

  /** One model.predict over a batch; returns the first output, row-major [examples, width]. */
  run(inputs: Float32Array[], examples: number): Float32Array {
    return tf.tidy(() => {
      const xs = inputs.map((x, i) => tf.tensor(x, [examples, ...(this.model.inputs[i].shape.slice(1) as number[]).map((d) => (d < 0 ? 1 : d))]));
      // One pass over the whole batch (model.predict would split it into chunks of 32).
      const y = this.model.predictOnBatch(xs.length === 1 ? xs[0] : xs);
      const first = Array.isArray(y) ? y[0] : y;
      return first.dataSync() as Float32Array;
    });
  }

  /** Runs one example of zeros (the warm-up before a model takes traffic). */
  warmUp(): void {
    this.run(this.exampleSizes.map((k) => new Float32Array(k)), 1);
  }

  /** Maps raw model outputs [examples, width] of one request to target units. */
  finish(p: Prepared, out: Float32Array): Prediction {
    const w = this.outputWidth;
    if (this.kind === 'regression') {
      const raw = new Float64Array(p.examples);
      for (let i = 0; i < p.examples; i++) raw[i] = out[i * w];
      return { kind: 'regression', values: this.fitted ? targetToUnits(this.fitted.target, raw) : raw };
    }
    if (this.kind === 'forecast') {
      const vals = Float64Array.from(out.subarray(0, p.examples * w));
      return { kind: 'forecast', forecast: this.fitted ? targetToUnits(this.fitted.target, vals) : vals, horizon: w, groups: p.groups ?? new Array(p.examples).fill('') };
    }
    return this.classify(p.examples, out);
  }

  private classify(n: number, out: Float32Array): Prediction {
    const k = this.classLabels.length;
    const w = this.outputWidth;
    const probs = new Float64Array(n * k);
    for (let i = 0; i < n; i++) {
      if (w === 1 && k === 2) {
        probs[i * 2 + 1] = out[i];
        probs[i * 2] = 1 - out[i];
        continue;
      }
      let sum = 0;
      let inRange = true;
      for (let j = 0; j < k; j++) {
        const v = (probs[i * k + j] = out[i * w + j]);
        sum += v;
        if (!(v >= 0 && v <= 1)) inRange = false;
      }
      if (!inRange || Math.abs(sum - 1) > 1e-3) softmaxRow(probs, i * k, k);
    }
    const labels = new Array<string>(n);
    for (let i = 0; i < n; i++) {
      let best = 0;
      for (let j = 1; j < k; j++) if (probs[i * k + j] > probs[i * k + best]) best = j;
      labels[i] = this.classLabels[best];
    }
    return { kind: 'classification', labels, probabilities: probs, classLabels: this.classLabels };
  }

  dispose(): void {
    this.model.dispose();
  }
}

/** The raw columns a fitted transform reads, with their fitted types. */
function trainedColumns(f: FittedTransform): InputColumn[] {
  const out = new Map<string, InputColumn>();
  if (f.forecast) {
    out.set(f.forecast.timeColumn, { name: f.forecast.timeColumn, type: 'timestamp' });
    out.set(f.target.column, { name: f.target.column, type: 'number' });
    if (f.forecast.groupColumn) out.set(f.forecast.groupColumn, { name: f.forecast.groupColumn, type: 'any' });
  }
  for (const c of f.columns) if (!out.has(c.column)) out.set(c.column, { name: c.column, type: c.type as InputColumn['type'] });
  return [...out.values()];
}

/**
 * The columns of an imported model: `signature.inputColumns` in order across its inputs
 * when they add up, else one column per one-wide input named like it, or `name_j` for
 * the j-th value of a wider input.
 */
function importedColumns(sig: BundleSignature, sizes: number[]): InputColumn[] {
  const total = sizes.reduce((a, b) => a + b, 0);
  if (sig.inputColumns && sig.inputColumns.length === total) return sig.inputColumns.map((name) => ({ name, type: 'number' }));
  return sizes.flatMap((k, i) => {
    const base = sig.inputs[i]?.name ?? `input_${i}`;
    return k === 1 ? [{ name: base, type: 'number' as const }] : Array.from({ length: k }, (_, j) => ({ name: `${base}_${j}`, type: 'number' as const }));
  });
}
