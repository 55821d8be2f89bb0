import { InputError } from '../../errors';
import { isNumericColumn } from '../../frame/frame';
import { featureMatrix } from '../columns';
import type { FittedForecast, FittedTransform } from '../fitted';
import type { ForecastSpec } from '../spec';
import { scaleTarget } from '../target';
import { ResampledSeries, WAS_GAP_COLUMN } from './resample';

/** Forecast examples: one per (group, origin); the origin is the first predicted step. */
export interface ForecastWindows {
  x: Float32Array;
  /** [n, features] (flat) or [n, steps, features] (sequence). */
  shape: number[];
  /** Scaled targets of the next H steps, [n, H]; absent when serving. */
  y?: Float32Array;
  groups: string[];
  /** Epoch microseconds of each window's first predicted step. */
  origins: Float64Array;
  /** Persistence baseline in target units: the last reading repeated, [n, H]. */
  persistence: Float32Array;
  /** Seasonal-naive baseline in target units, [n, H]; null without a seasonality. */
  seasonalNaive: Float32Array | null;
}

/** Past steps one window reads (lags, rolling windows, sequence length and seasonality). */
export function forecastLookback(fc: Pick<ForecastSpec, 'layout' | 'lags' | 'rolling' | 'sequenceLength' | 'seasonality'>): number {
  const maxRoll = Math.max(1, ...(fc.rolling ?? []).map((r) => r.window));
  const base =
    fc.layout === 'flat'
      ? Math.max(1, ...(fc.lags ?? []), ...(fc.rolling ?? []).map((r) => r.window))
      : (fc.sequenceLength ?? 1) + maxRoll - 1;
  return Math.max(base, fc.seasonality ?? 0);
}

/** Names of the target-derived features, before the feature columns' own names. */
export function targetFeatureNames(fc: FittedForecast): string[] {
  const roll = fc.rolling.flatMap((r) => r.stats.map((s) => `roll_${s}_${r.window}`));
  return fc.layout === 'flat' ? [...fc.lags.map((l) => `lag_${l}`), ...roll, 'was_gap'] : ['target', 'was_gap', ...roll];
}

function rollStat(z: Float64Array, from: number, to: number, stat: 'mean' | 'min' | 'max'): number {
  let acc = stat === 'mean' ? 0 : stat === 'min' ? Infinity : -Infinity;
  for (let k = from; k < to; k++) {
    const v = z[k];
    if (stat === 'mean') acc += v;
    else if (stat === 'min') acc = v < acc ? v : acc;
    else acc = v > acc ? v : acc;
  }
  return stat === 'mean' ? acc / (to - from) : acc;
}

/**
 * Builds forecast windows from resampled series. `train`: every origin with a full
 * lookback and H future steps inside its group (so a window never leaves the frame it was
 * given, hence never crosses a split). `serve`: one window per group whose origin follows
 * the last step, without targets: the same feature code as training.
 * @throws InputError when serving a group with less history than the lookback.
 */
export function buildWindows(fitted: FittedTransform, series: ResampledSeries, mode: 'train' | 'serve'): ForecastWindows {
  const fc = fitted.forecast as FittedForecast;
  const { frame, groupKeys, groupStarts } = series;
  const H = fc.horizon;
  const L = fc.lookback;
  const ycol = frame.columns[fitted.target.column];
  const time = frame.columns[fc.timeColumn].values as Float64Array;
  const gap = frame.columns[WAS_GAP_COLUMN].values as Float64Array;
  if (!isNumericColumn(ycol)) throw new InputError('target must be numeric', fitted.target.column);
  const raw = ycol.values;
  const z = raw.slice();
  scaleTarget(fitted.target, z);
  const cols = featureMatrix(fitted.columns, frame, fitted.timeZone);
  const origins: number[] = [];
  const owner: number[] = [];
  for (let g = 0; g < groupKeys.length; g++) {
    const s = groupStarts[g];
    const e = groupStarts[g + 1];
    if (mode === 'serve') {
      if (e - s < L) {
        throw new InputError(`group ${groupKeys[g] || '(all)'}: history covers ${e - s} steps, the model needs ${L}`, fc.timeColumn);
      }
      origins.push(e);
      owner.push(g);
    } else {
      for (let o = s + L; o + H <= e; o++) {
        origins.push(o);
        owner.push(g);
      }
    }
  }
  const n = origins.length;
  const steps = fc.layout === 'flat' ? 1 : (fc.sequenceLength as number);
  const width = targetFeatureNames(fc).length + cols.width;
  const x = new Float32Array(n * steps * width);
  const y = mode === 'train' ? new Float32Array(n * H) : undefined;
  const persistence = new Float32Array(n * H);
  const m = fc.seasonality;
  const seasonalNaive = m ? new Float32Array(n * H) : null;
  const outOrigins = new Float64Array(n);
  const freq = fc.frequencySeconds * 1e6;
  for (let i = 0; i < n; i++) {
    const o = origins[i];
    let p = i * steps * width;
    if (fc.layout === 'flat') {
      for (const lag of fc.lags) x[p++] = z[o - lag];
      for (const r of fc.rolling) for (const st of r.stats) x[p++] = rollStat(z, o - r.window, o, st);
      x[p++] = gap[o - 1];
      x.set(cols.x.subarray((o - 1) * cols.width, o * cols.width), p);
    } else {
      for (let r = o - steps; r < o; r++) {
        x[p++] = z[r];
        x[p++] = gap[r];
        for (const rs of fc.rolling) for (const st of rs.stats) x[p++] = rollStat(z, r - rs.window + 1, r + 1, st);
        x.set(cols.x.subarray(r * cols.width, (r + 1) * cols.width), p);
        p += cols.width;
      }
    }
    outOrigins[i] = time[o - 1] + freq;
    for (let h = 0; h < H; h++) {
      if (y) y[i * H + h] = z[o + h];
      persistence[i * H + h] = raw[o - 1];
      if (seasonalNaive && m) seasonalNaive[i * H + h] = raw[o + h - m * (Math.floor(h / m) + 1)];
    }
  }
  return {
    x,
    shape: fc.layout === 'flat' ? [n, width] : [n, steps, width],
    ...(y ? { y } : {}),
    groups: owner.map((g) => groupKeys[g]),
    origins: outOrigins,
    persistence,
    seasonalNaive,
  };
}
