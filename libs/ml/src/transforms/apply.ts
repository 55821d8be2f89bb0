import { InputError } from '../errors';
import type { Frame } from '../frame/frame';
import { takeRows } from '../frame/ops';
import { featureMatrix } from './columns';
import type { FittedTransform } from './fitted';
import { resampleSeries, ResampledSeries } from './forecast/resample';
import { buildWindows } from './forecast/windows';
import { encodeTarget } from './target';

/** Model-ready features produced by {@link applyTransform}. */
export interface AppliedFeatures {
  /** Row-major features. */
  x: Float32Array;
  /** [n, features] or [n, steps, features]. */
  shape: number[];
  featureNames: string[];
  /** Encoded targets: scaled value, class index (-1 = label unseen in training), or H scaled values. */
  y?: Float32Array;
  /** [n, 1] (regression, classification) or [n, H] (forecast). */
  yShape?: number[];
  /** Tabular tasks: the input row of each example. */
  rows?: Int32Array;
  /** Forecast: the group of each window ('' without a group column). */
  groups?: string[];
  /** Forecast: epoch microseconds of each window's first predicted step. */
  origins?: Float64Array;
  /** Forecast baselines in target units, [n, H] each. */
  baselines?: { persistence: Float32Array; seasonalNaive: Float32Array | null };
}

/** How {@link applyTransform} treats the target. */
export interface ApplyOptions {
  /**
   * `train` (default): the frame carries the target; rows with a null target are dropped
   * and y is returned; a forecast yields every full window. `serve`: the target is not
   * needed (tabular) and a forecast yields one window per group from the history's end.
   */
  mode?: 'train' | 'serve';
}

/** Resamples a raw series frame as the fitted forecast says (the gap-fill mean is the fitted one). */
export function resampleForForecast(fitted: FittedTransform, frame: Frame): ResampledSeries {
  const fc = fitted.forecast;
  if (!fc) throw new Error('not a forecast transform');
  return resampleSeries(frame, {
    timeColumn: fc.timeColumn,
    targetColumn: fitted.target.column,
    frequencySeconds: fc.frequencySeconds,
    groupColumn: fc.groupColumn,
    fill: fc.fill,
    fillMean: fc.targetMean,
  });
}

function applyForecast(fitted: FittedTransform, frame: Frame, mode: 'train' | 'serve'): AppliedFeatures {
  const w = buildWindows(fitted, resampleForForecast(fitted, frame), mode);
  const n = w.shape[0];
  return {
    x: w.x,
    shape: w.shape,
    featureNames: fitted.featureNames,
    ...(w.y ? { y: w.y, yShape: [n, fitted.outputSize] } : {}),
    groups: w.groups,
    origins: w.origins,
    baselines: { persistence: w.persistence, seasonalNaive: w.seasonalNaive },
  };
}

/**
 * Applies a fitted transform to a raw frame: the one code path of training
 * materialization and serving. Unseen categories land in the "other" bucket, nulls are
 * imputed as fitted, extra columns are ignored.
 * @throws InputError (INVALID_ARGUMENT) naming a missing or mistyped column, or a forecast
 * group whose history is shorter than the lookback.
 */
export function applyTransform(fitted: FittedTransform, frame: Frame, options: ApplyOptions = {}): AppliedFeatures {
  const mode = options.mode ?? 'train';
  if (fitted.task === 'forecast') return applyForecast(fitted, frame, mode);
  let rows: Int32Array;
  let input = frame;
  let y: Float32Array | undefined;
  if (mode === 'train') {
    const tcol = frame.columns[fitted.target.column];
    if (!tcol) throw new InputError(`missing target column ${fitted.target.column}`, fitted.target.column);
    const enc = encodeTarget(fitted.target, tcol);
    let kept = 0;
    for (let i = 0; i < enc.valid.length; i++) kept += enc.valid[i];
    rows = new Int32Array(kept);
    y = new Float32Array(kept);
    for (let i = 0, k = 0; i < enc.valid.length; i++) {
      if (enc.valid[i]) {
        rows[k] = i;
        y[k++] = enc.y[i];
      }
    }
    if (kept < frame.rowCount) input = takeRows(frame, rows);
  } else {
    rows = new Int32Array(frame.rowCount);
    for (let i = 0; i < rows.length; i++) rows[i] = i;
  }
  const { x, width } = featureMatrix(fitted.columns, input, fitted.timeZone);
  return {
    x,
    shape: [input.rowCount, width],
    featureNames: fitted.featureNames,
    ...(y ? { y, yShape: [y.length, 1] } : {}),
    rows,
  };
}
