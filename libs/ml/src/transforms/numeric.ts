import type { FrameColumn } from '../frame/frame';
import { isNumericColumn } from '../frame/frame';
import type { FittedScalarStep } from './fitted';
import type { ScalarStep } from './spec';

/** A copy of a numeric column's values with every null as NaN. */
export function numericValues(col: FrameColumn): Float64Array {
  if (!isNumericColumn(col)) throw new Error(`column of type ${col.type} is not numeric`);
  const out = col.values.slice();
  const nulls = col.nulls;
  if (nulls) for (let i = 0; i < out.length; i++) if (nulls[i] === 1) out[i] = NaN;
  return out;
}

/** Mean and population standard deviation of the non-NaN values (0, 0 when empty). */
export function meanStd(v: Float64Array): { mean: number; std: number; count: number } {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (x === x) {
      sum += x;
      n++;
    }
  }
  if (n === 0) return { mean: 0, std: 0, count: 0 };
  const mean = sum / n;
  let ss = 0;
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (x === x) ss += (x - mean) * (x - mean);
  }
  return { mean, std: Math.sqrt(ss / n), count: n };
}

/** Median of the non-NaN values (mean of the two middle ones for an even count; 0 when empty). */
export function median(v: Float64Array): number {
  const arr = new Float64Array(v.length);
  let n = 0;
  for (let i = 0; i < v.length; i++) if (v[i] === v[i]) arr[n++] = v[i];
  if (n === 0) return 0;
  const s = arr.subarray(0, n).sort();
  return n % 2 === 1 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/** Most frequent non-NaN value (the smallest among ties; 0 when empty). */
export function mostFrequentNumber(v: Float64Array): number {
  const counts = new Map<number, number>();
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (x === x) counts.set(x, (counts.get(x) ?? 0) + 1);
  }
  let best = 0;
  let bestCount = 0;
  for (const [x, c] of counts) if (c > bestCount || (c === bestCount && x < best)) [best, bestCount] = [x, c];
  return best;
}

function minMax(v: Float64Array): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (x < min) min = x;
    if (x > max) max = x;
  }
  return min <= max ? { min, max } : { min: 0, max: 0 };
}

/** Fits one scalar step on the current values (nulls are NaN). */
export function fitScalarStep(step: ScalarStep, v: Float64Array): FittedScalarStep {
  switch (step.kind) {
    case 'impute': {
      const value =
        step.strategy === 'mean'
          ? meanStd(v).mean
          : step.strategy === 'median'
            ? median(v)
            : step.strategy === 'most_frequent'
              ? mostFrequentNumber(v)
              : Number(step.value ?? 0);
      return { kind: 'impute', value };
    }
    case 'clip':
      return { kind: 'clip', min: step.min ?? null, max: step.max ?? null };
    case 'standardize': {
      const { mean, std } = meanStd(v);
      return { kind: 'standardize', mean, std: std > 0 ? std : 1 };
    }
    case 'minmax': {
      const { min, max } = minMax(v);
      return { kind: 'minmax', min, range: max > min ? max - min : 1 };
    }
    case 'log1p':
      return { kind: 'log1p' };
  }
}

/** Applies one fitted scalar step in place; NaN stays NaN except under impute. */
export function applyScalarStep(step: FittedScalarStep, v: Float64Array): void {
  const n = v.length;
  switch (step.kind) {
    case 'impute': {
      const c = step.value;
      for (let i = 0; i < n; i++) if (v[i] !== v[i]) v[i] = c;
      return;
    }
    case 'clip': {
      const lo = step.min ?? -Infinity;
      const hi = step.max ?? Infinity;
      for (let i = 0; i < n; i++) v[i] = v[i] < lo ? lo : v[i] > hi ? hi : v[i];
      return;
    }
    case 'standardize': {
      const { mean, std } = step;
      const inv = 1 / std;
      for (let i = 0; i < n; i++) v[i] = (v[i] - mean) * inv;
      return;
    }
    case 'minmax': {
      const { min, range } = step;
      const inv = 1 / range;
      for (let i = 0; i < n; i++) v[i] = (v[i] - min) * inv;
      return;
    }
    case 'log1p':
      for (let i = 0; i < n; i++) {
        const x = v[i];
        v[i] = x < 0 ? -Math.log1p(-x) : Math.log1p(x);
      }
  }
}

/** Fits a chain of scalar steps, each on the output of the previous ones; transforms `v` in place. */
export function fitScalarSteps(steps: readonly ScalarStep[], v: Float64Array): FittedScalarStep[] {
  return steps.map((s) => {
    const fitted = fitScalarStep(s, v);
    applyScalarStep(fitted, v);
    return fitted;
  });
}

/** Applies a fitted chain in place. */
export function applyScalarSteps(steps: readonly FittedScalarStep[], v: Float64Array): void {
  for (const s of steps) applyScalarStep(s, v);
}

/** Inverts a fitted chain in place (impute and clip have no inverse and are skipped). */
export function invertScalarSteps(steps: readonly FittedScalarStep[], v: Float64Array | Float32Array): void {
  for (let k = steps.length - 1; k >= 0; k--) {
    const s = steps[k];
    for (let i = 0; i < v.length; i++) {
      const y = v[i];
      if (s.kind === 'standardize') v[i] = y * s.std + s.mean;
      else if (s.kind === 'minmax') v[i] = y * s.range + s.min;
      else if (s.kind === 'log1p') v[i] = y < 0 ? -Math.expm1(-y) : Math.expm1(y);
    }
  }
}
