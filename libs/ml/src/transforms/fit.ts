import { SpecError } from '../errors';
import { Frame, frameColumnTypes } from '../frame/frame';
import { takeRows } from '../frame/ops';
import { fitColumn } from './columns';
import { FittedForecast, FittedTransform, TRANSFORM_FORMAT_VERSION } from './fitted';
import { forecastLookback, targetFeatureNames } from './forecast/windows';
import { resampleSeries } from './forecast/resample';
import { meanStd, numericValues } from './numeric';
import type { FeatureSpec, ForecastSpec } from './spec';
import { encodeTarget, fitTarget, isClassTask } from './target';
import { validateFeatureSpec } from './validate';

function fittedForecast(fc: ForecastSpec, targetMean: number): FittedForecast {
  return {
    timeColumn: fc.timeColumn,
    frequencySeconds: fc.frequencySeconds,
    groupColumn: fc.groupColumn ?? null,
    fill: fc.fill,
    lags: [...(fc.lags ?? [])],
    rolling: (fc.rolling ?? []).map((r) => ({ window: r.window, stats: [...r.stats] })),
    horizon: fc.horizon,
    layout: fc.layout,
    sequenceLength: fc.sequenceLength ?? null,
    seasonality: fc.seasonality ?? null,
    targetMean,
    lookback: forecastLookback(fc),
  };
}

function fitForecast(spec: FeatureSpec, frame: Frame, timeZone: string): FittedTransform {
  const fcSpec = spec.forecast as ForecastSpec;
  const target = fitTarget(spec.target, frame.columns[spec.target.column], spec.task);
  const targetMean = meanStd(numericValues(frame.columns[spec.target.column])).mean;
  const fc = fittedForecast(fcSpec, targetMean);
  const series = resampleSeries(frame, {
    timeColumn: fc.timeColumn,
    targetColumn: spec.target.column,
    frequencySeconds: fc.frequencySeconds,
    groupColumn: fc.groupColumn,
    fill: fc.fill,
    fillMean: targetMean,
  });
  const columns = spec.features.map((f) => fitColumn(f, series.frame.columns[f.column]));
  const featureNames = [...targetFeatureNames(fc), ...columns.flatMap((c) => c.featureNames)];
  return {
    formatVersion: TRANSFORM_FORMAT_VERSION,
    task: spec.task,
    timeZone,
    target,
    columns,
    featureNames,
    inputShape: fc.layout === 'flat' ? [featureNames.length] : [fc.sequenceLength as number, featureNames.length],
    outputSize: fc.horizon,
    forecast: fc,
  };
}

/**
 * Validates `spec` against the frame's columns and fits it on `frame` (the train split):
 * every statistic (means, medians, categories, vocabularies, target scaling, the forecast
 * gap-fill mean) comes from this frame only. Rows with a null target are left out of the
 * fit. For a forecast the frame is resampled first (per group, as {@link applyTransform} does).
 * @throws SpecError (INVALID_ARGUMENT) naming the bad field, or `split` when there are no rows.
 */
export function fitTransform(spec: FeatureSpec, frame: Frame): FittedTransform {
  validateFeatureSpec(spec, frameColumnTypes(frame));
  const timeZone = spec.timeZone ?? 'UTC';
  if (frame.rowCount === 0) throw new SpecError('split', 'the train split has no rows');
  if (spec.task === 'forecast') return fitForecast(spec, frame, timeZone);
  const probe = fitTarget(spec.target, frame.columns[spec.target.column], spec.task);
  const { valid } = encodeTarget(probe, frame.columns[spec.target.column]);
  let rows: Frame = frame;
  if (valid.includes(0)) {
    const keep: number[] = [];
    valid.forEach((v, i) => v && keep.push(i));
    if (keep.length === 0) throw new SpecError('target.column', 'every train row has a null target');
    rows = takeRows(frame, keep);
  }
  const target = rows === frame ? probe : fitTarget(spec.target, rows.columns[spec.target.column], spec.task);
  const columns = spec.features.map((f) => fitColumn(f, rows.columns[f.column]));
  const featureNames = columns.flatMap((c) => c.featureNames);
  return {
    formatVersion: TRANSFORM_FORMAT_VERSION,
    task: spec.task,
    timeZone,
    target,
    columns,
    featureNames,
    inputShape: [featureNames.length],
    outputSize: isClassTask(spec.task) && target.kind === 'classes' ? target.classes.length : 1,
    forecast: null,
  };
}
