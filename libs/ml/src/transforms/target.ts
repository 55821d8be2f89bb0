import { InputError } from '../errors';
import { FrameColumn, isNumericColumn } from '../frame/frame';
import type { FittedTarget } from './fitted';
import { applyScalarSteps, fitScalarSteps, invertScalarSteps, numericValues } from './numeric';
import type { Task, TargetSpec } from './spec';

/** True for tasks whose target is a class label. */
export function isClassTask(task: Task): boolean {
  return task === 'classification' || task === 'text_classification';
}

/** The label text of row i: the string, 'true' / 'false' for booleans, the number's text otherwise. */
export function labelAt(col: FrameColumn, i: number): string {
  if (!isNumericColumn(col)) return col.values[i];
  const v = col.values[i];
  return col.type === 'boolean' ? (v !== 0 ? 'true' : 'false') : String(v);
}

function isNullAt(col: FrameColumn, i: number): boolean {
  return (col.nulls !== undefined && col.nulls[i] === 1) || (isNumericColumn(col) && col.values[i] !== col.values[i]);
}

/**
 * Fits the target: scaling steps on a numeric target (regression, forecast), or the sorted
 * label set (classification; numbers in numeric order, text in code-unit order).
 */
export function fitTarget(spec: TargetSpec, col: FrameColumn, task: Task): FittedTarget {
  if (!isClassTask(task)) {
    const v = numericValues(col);
    const steps = fitScalarSteps(spec.steps ?? [], v);
    return { column: spec.column, type: col.type, kind: 'numeric', steps };
  }
  const seen = new Map<string, number>();
  for (let i = 0; i < col.values.length; i++) {
    if (isNullAt(col, i)) continue;
    const label = labelAt(col, i);
    if (!seen.has(label)) seen.set(label, isNumericColumn(col) ? col.values[i] : 0);
  }
  const classes = [...seen.keys()];
  if (isNumericColumn(col)) classes.sort((a, b) => (seen.get(a) as number) - (seen.get(b) as number));
  else classes.sort();
  return { column: spec.column, type: col.type, kind: 'classes', classes };
}

/** Encoded target values and which rows have one. */
export interface EncodedTarget {
  /** Scaled value, or class index (-1 for a label unseen in training). */
  y: Float32Array;
  /** 1 where the row has a non-null target. */
  valid: Uint8Array;
}

/**
 * Encodes a target column as fitted.
 * @throws InputError when the column's storage does not match the fitted target.
 */
export function encodeTarget(f: FittedTarget, col: FrameColumn): EncodedTarget {
  const n = col.values.length;
  const y = new Float32Array(n);
  const valid = new Uint8Array(n);
  if (f.kind === 'numeric') {
    if (!isNumericColumn(col)) throw new InputError(`target ${f.column} must be numeric`, f.column);
    const v = numericValues(col);
    applyScalarSteps(f.steps, v);
    for (let i = 0; i < n; i++) {
      const x = v[i];
      if (x === x) {
        y[i] = x;
        valid[i] = 1;
      }
    }
    return { y, valid };
  }
  const index = new Map<string, number>();
  f.classes.forEach((c, i) => index.set(c, i));
  for (let i = 0; i < n; i++) {
    if (isNullAt(col, i)) continue;
    y[i] = index.get(labelAt(col, i)) ?? -1;
    valid[i] = 1;
  }
  return { y, valid };
}

/** Raw numeric target values (no scaling) with NaN for nulls. */
export function rawTarget(f: FittedTarget, col: FrameColumn): Float64Array {
  if (f.kind !== 'numeric' || !isNumericColumn(col)) throw new InputError(`target ${f.column} must be numeric`, f.column);
  return numericValues(col);
}

/** Scales raw target values (in target units) as the fitted target does, in place. */
export function scaleTarget(f: FittedTarget, values: Float64Array): void {
  if (f.kind === 'numeric') applyScalarSteps(f.steps, values);
}

/**
 * Maps model outputs back to the target's own units (inverts standardize / minmax / log1p),
 * returning a new Float64Array.
 */
export function targetToUnits(f: FittedTarget, values: ArrayLike<number>): Float64Array {
  const out = Float64Array.from(values);
  if (f.kind === 'numeric') invertScalarSteps(f.steps, out);
  return out;
}
