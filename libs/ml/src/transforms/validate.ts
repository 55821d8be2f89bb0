import { SpecError } from '../errors';
import { ColumnType, toEpochMicros } from '../frame/frame';
import type { FeatureSpec, ForecastSpec, SplitSpec } from './spec';
import { isValidTimeZone } from './time-zone';
import { validateSteps } from './validate-steps';

const TASKS = ['regression', 'classification', 'forecast', 'text_classification'];
const TARGET_TYPES: Record<string, ColumnType[]> = {
  regression: ['number', 'integer', 'boolean'],
  forecast: ['number', 'integer', 'boolean'],
  classification: ['category', 'integer', 'boolean'],
  text_classification: ['category', 'integer', 'boolean'],
};
const FILLS = ['ffill', 'linear', 'zero', 'mean'];

const isInt = (v: unknown, min: number, max = 1e9) =>
  typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;

function columnType(types: Record<string, ColumnType>, name: unknown, field: string): ColumnType {
  if (typeof name !== 'string' || !name) throw new SpecError(field, 'a column name is required');
  const t = types[name];
  if (!t) throw new SpecError(field, `unknown column ${name}`);
  return t;
}

function validateForecast(fc: ForecastSpec | undefined, types: Record<string, ColumnType>): void {
  if (!fc) throw new SpecError('forecast', 'a forecast task needs forecast settings');
  if (columnType(types, fc.timeColumn, 'forecast.timeColumn') !== 'timestamp') {
    throw new SpecError('forecast.timeColumn', `column ${fc.timeColumn} is not a timestamp`);
  }
  if (!(typeof fc.frequencySeconds === 'number' && fc.frequencySeconds > 0)) {
    throw new SpecError('forecast.frequencySeconds', 'the frequency must be a positive number of seconds');
  }
  if (fc.groupColumn !== undefined) {
    const t = columnType(types, fc.groupColumn, 'forecast.groupColumn');
    if (t === 'number' || t === 'timestamp' || t === 'text') {
      throw new SpecError('forecast.groupColumn', `a ${t} column cannot be a group column`);
    }
  }
  if (!FILLS.includes(fc.fill)) throw new SpecError('forecast.fill', `fill must be one of ${FILLS.join(', ')}`);
  if (!isInt(fc.horizon, 1, 10_000)) throw new SpecError('forecast.horizon', 'the horizon must be an integer in 1..10000');
  (fc.lags ?? []).forEach((l, i) => {
    if (!isInt(l, 1, 100_000)) throw new SpecError(`forecast.lags[${i}]`, 'a lag must be a positive integer');
  });
  (fc.rolling ?? []).forEach((r, i) => {
    if (!isInt(r.window, 1, 100_000)) throw new SpecError(`forecast.rolling[${i}].window`, 'the window must be a positive integer');
    if (!r.stats?.length || r.stats.some((s) => !['mean', 'min', 'max'].includes(s))) {
      throw new SpecError(`forecast.rolling[${i}].stats`, 'stats must be a non-empty list of mean, min, max');
    }
  });
  if (fc.seasonality !== undefined && !isInt(fc.seasonality, 1, 100_000)) {
    throw new SpecError('forecast.seasonality', 'the seasonality must be a positive integer (steps)');
  }
  if (fc.layout === 'flat') {
    if (!fc.lags?.length && !fc.rolling?.length) throw new SpecError('forecast.lags', 'the flat layout needs lags or rolling windows');
  } else if (fc.layout === 'sequence') {
    if (!isInt(fc.sequenceLength, 1, 100_000)) throw new SpecError('forecast.sequenceLength', 'the sequence layout needs a sequence length');
    if (fc.lags?.length) throw new SpecError('forecast.lags', 'lags apply to the flat layout; the sequence layout uses sequenceLength');
  } else throw new SpecError('forecast.layout', 'layout must be flat or sequence');
}

function validateSplit(split: SplitSpec, spec: FeatureSpec, types: Record<string, ColumnType>): void {
  if (split.kind === 'random') {
    if (spec.task === 'forecast') throw new SpecError('split.kind', 'a forecast needs a time split');
    if (!Number.isInteger(split.seed)) throw new SpecError('split.seed', 'the seed must be an integer');
    if (!(split.train > 0 && split.train < 1)) throw new SpecError('split.train', 'the train fraction must be in (0, 1)');
    if (!(split.validation >= 0 && split.train + split.validation < 1)) {
      throw new SpecError('split.validation', 'train + validation must leave rows for the test split');
    }
    return;
  }
  if (split.kind !== 'time') throw new SpecError('split.kind', 'split must be random or time');
  if (columnType(types, split.column, 'split.column') !== 'timestamp') {
    throw new SpecError('split.column', `column ${split.column} is not a timestamp`);
  }
  if (spec.forecast && split.column !== spec.forecast.timeColumn) {
    throw new SpecError('split.column', 'a forecast splits on its time column');
  }
  let t1: number;
  let t2: number;
  try {
    t1 = toEpochMicros(split.trainBefore);
  } catch {
    throw new SpecError('split.trainBefore', 'not a timestamp');
  }
  try {
    t2 = toEpochMicros(split.validationBefore);
  } catch {
    throw new SpecError('split.validationBefore', 'not a timestamp');
  }
  if (!(t1 < t2)) throw new SpecError('split.validationBefore', 'validationBefore must be after trainBefore');
}

/**
 * Checks a feature spec against the dataset's column types, before anything is fitted.
 * @throws SpecError whose `field` names the offending part (`target.column`,
 * `features[1].steps[0]`, `forecast.horizon`, `split.train`, …).
 */
export function validateFeatureSpec(spec: FeatureSpec, types: Record<string, ColumnType>): void {
  if (!TASKS.includes(spec.task)) throw new SpecError('task', `task must be one of ${TASKS.join(', ')}`);
  if (!spec.target) throw new SpecError('target', 'a target is required');
  const tt = columnType(types, spec.target.column, 'target.column');
  if (!TARGET_TYPES[spec.task].includes(tt)) {
    throw new SpecError('target.column', `a ${spec.task} target cannot be a ${tt} column`);
  }
  (spec.target.steps ?? []).forEach((s, i) => {
    const numeric = spec.task === 'regression' || spec.task === 'forecast';
    if (!numeric || !['standardize', 'minmax', 'log1p'].includes(s.kind)) {
      throw new SpecError(`target.steps[${i}]`, `target step ${s.kind} does not fit a ${spec.task} target`);
    }
  });
  if (spec.timeZone !== undefined && !isValidTimeZone(spec.timeZone)) {
    throw new SpecError('timeZone', `unknown time zone ${spec.timeZone}`);
  }
  if (!Array.isArray(spec.features)) throw new SpecError('features', 'features must be a list');
  if (spec.features.length === 0 && spec.task !== 'forecast') throw new SpecError('features', 'at least one feature column is needed');
  const seen = new Set<string>();
  spec.features.forEach((f, i) => {
    const field = `features[${i}]`;
    const t = columnType(types, f?.column, `${field}.column`);
    if (f.column === spec.target.column) throw new SpecError(`${field}.column`, 'the target cannot be a feature');
    if (seen.has(f.column)) throw new SpecError(`${field}.column`, `column ${f.column} is listed twice`);
    seen.add(f.column);
    validateSteps(f.steps, t, field);
  });
  if (spec.task === 'text_classification' && !spec.features.some((f) => f.steps.some((s) => s.kind === 'text'))) {
    throw new SpecError('features', 'text classification needs a text feature');
  }
  if (spec.task === 'forecast') validateForecast(spec.forecast, types);
  else if (spec.forecast) throw new SpecError('forecast', `forecast settings do not fit a ${spec.task} task`);
  if (spec.split) validateSplit(spec.split, spec, types);
}
