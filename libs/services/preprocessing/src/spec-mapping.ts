import type * as ml from '@cityml/ml';
import { preprocessing as pb } from '@cityml/proto';
import { InvalidArgumentError } from '@cityml/runtime';
import { columnTypeName } from './rows';
import { stepName, checkStepFits } from './step-types';

/**
 * The one place where the protobuf FeatureSpec becomes libs/ml's FeatureSpec. Defaults
 * that depend on the dataset (time column, time zone) are resolved here, so the
 * normalized spec (and its hash) says exactly what was fitted.
 */

/** What the mapping needs to know about the dataset. */
export interface DatasetSchema {
  types: Record<string, ml.ColumnType>;
  timeColumn?: string;
  timeZone?: string;
}

/** A mapped spec: libs/ml's form, the normalized protobuf form, and the error-path table. */
export interface MappedSpec {
  ml: ml.FeatureSpec;
  normalized: pb.FeatureSpec;
  /** For each feature i and libs/ml step j: the protobuf path of the step (`spec.features[i].steps[k].one_hot`). */
  stepPaths: string[][];
}

const TASKS: Record<number, ml.Task> = {
  [pb.Task.TASK_REGRESSION]: 'regression',
  [pb.Task.TASK_CLASSIFICATION]: 'classification',
  [pb.Task.TASK_FORECAST]: 'forecast',
  [pb.Task.TASK_TEXT_CLASSIFICATION]: 'text_classification',
};
const IMPUTE: Record<number, ml.ImputeStep['strategy']> = {
  [pb.ImputeStrategy.IMPUTE_STRATEGY_MEAN]: 'mean',
  [pb.ImputeStrategy.IMPUTE_STRATEGY_MEDIAN]: 'median',
  [pb.ImputeStrategy.IMPUTE_STRATEGY_MOST_FREQUENT]: 'most_frequent',
  [pb.ImputeStrategy.IMPUTE_STRATEGY_CONSTANT]: 'constant',
};
const PARTS: Record<number, ml.DatetimePart> = {
  [pb.DatetimePart.DATETIME_PART_HOUR]: 'hour',
  [pb.DatetimePart.DATETIME_PART_DAY_OF_WEEK]: 'day_of_week',
  [pb.DatetimePart.DATETIME_PART_MONTH]: 'month',
  [pb.DatetimePart.DATETIME_PART_DAY_OF_YEAR]: 'day_of_year',
};
const FILLS: Record<number, ml.FillMethod> = {
  [pb.FillMethod.FILL_METHOD_FORWARD]: 'ffill',
  [pb.FillMethod.FILL_METHOD_LINEAR]: 'linear',
  [pb.FillMethod.FILL_METHOD_ZERO]: 'zero',
  [pb.FillMethod.FILL_METHOD_MEAN]: 'mean',
};
const ROLLING: Record<number, 'mean' | 'min' | 'max'> = {
  [pb.RollingFunction.ROLLING_FUNCTION_MEAN]: 'mean',
  [pb.RollingFunction.ROLLING_FUNCTION_MIN]: 'min',
  [pb.RollingFunction.ROLLING_FUNCTION_MAX]: 'max',
};

const bad = (field: string, reason: string) => InvalidArgumentError.field(field, reason);

function mapStep(step: pb.Step, column: string, type: ml.ColumnType, spec: pb.FeatureSpec, path: string): ml.Step[] {
  const name = stepName(step);
  if (!name) throw bad(path, 'no step is set');
  const p = `${path}.${name}`;
  checkStepFits(name, type, p, column);
  if (step.impute) {
    const strategy = IMPUTE[step.impute.strategy];
    if (!strategy) throw bad(`${p}.strategy`, 'an impute strategy is required (mean, median, most_frequent, constant)');
    if (strategy !== 'constant') return [{ kind: 'impute', strategy }];
    const text = type === 'category' || type === 'text';
    return [{ kind: 'impute', strategy, value: text ? step.impute.stringValue : step.impute.numberValue }];
  }
  if (step.clip) {
    if (step.clip.min === undefined && step.clip.max === undefined) throw bad(p, 'clip needs min or max');
    return [{ kind: 'clip', ...(step.clip.min !== undefined ? { min: step.clip.min } : {}), ...(step.clip.max !== undefined ? { max: step.clip.max } : {}) }];
  }
  if (step.standardize) return [{ kind: 'standardize' }];
  if (step.minMax) return [{ kind: 'minmax' }];
  if (step.log1p) return [{ kind: 'log1p' }];
  if (step.oneHot) return [{ kind: 'onehot', ...(step.oneHot.maxCategories ? { maxCategories: step.oneHot.maxCategories } : {}) }];
  if (step.hashBuckets) {
    if (!step.hashBuckets.buckets) throw bad(`${p}.buckets`, 'the number of buckets is required');
    return [{ kind: 'hash', buckets: step.hashBuckets.buckets }];
  }
  if (step.datetimeParts) {
    const parts = step.datetimeParts.parts.map((x, i) => {
      const part = PARTS[x];
      if (!part) throw bad(`${p}.parts[${i}]`, 'unknown date-time part (hour, day_of_week, month, day_of_year)');
      return part;
    });
    if (!parts.length) throw bad(`${p}.parts`, 'at least one part is required');
    return [{ kind: 'datetime', parts, cyclical: step.datetimeParts.cyclical ?? true }];
  }
  if (step.calendarFlags) {
    const out: ml.Step[] = [];
    if (step.calendarFlags.weekend) out.push({ kind: 'weekend' });
    if (step.calendarFlags.holiday) {
      if (!spec.holidays.length && !spec.holidayCalendar) throw bad('spec.holidays', `${p}.holiday needs holiday dates or a holiday_calendar`);
      if (spec.holidayCalendar && spec.holidayCalendar !== 'us') throw bad('spec.holiday_calendar', `unknown calendar "${spec.holidayCalendar}" (built in: us)`);
      out.push({ kind: 'holiday', dates: [...spec.holidays], ...(spec.holidayCalendar ? { calendar: 'us' as const } : {}) });
    }
    if (!out.length) throw bad(p, 'set weekend and/or holiday');
    return out;
  }
  const t = step.text as pb.TextVectorize;
  if (!t.vocabularySize) throw bad(`${p}.vocabulary_size`, 'the vocabulary size is required');
  const mode = t.weighting === pb.TextWeighting.TEXT_WEIGHTING_TF_IDF ? 'tfidf' : 'bow';
  return [{ kind: 'text', maxTokens: t.vocabularySize, mode, bigrams: t.bigrams, lowercase: t.lowercase ?? true }];
}

function mapFeatures(spec: pb.FeatureSpec, schema: DatasetSchema): { features: ml.FeatureColumnSpec[]; stepPaths: string[][] } {
  const stepPaths: string[][] = [];
  const features = spec.features.map((f, i) => {
    const field = `spec.features[${i}]`;
    if (!f.column) throw bad(`${field}.column`, 'a column name is required');
    const type = schema.types[f.column];
    if (!type) throw bad(`${field}.column`, `unknown column "${f.column}"`);
    const paths: string[] = [];
    const steps = f.steps.flatMap((s, j) => {
      const mapped = mapStep(s, f.column, type, spec, `${field}.steps[${j}]`);
      for (const _ of mapped) paths.push(`${field}.steps[${j}].${stepName(s)}`);
      return mapped;
    });
    stepPaths.push(paths);
    return { column: f.column, steps };
  });
  return { features, stepPaths };
}

function timeColumnOf(name: string, schema: DatasetSchema, field: string): string {
  const col = name || schema.timeColumn || '';
  if (!col) throw bad(field, 'the dataset has no time column: name the TIMESTAMP column');
  const type = schema.types[col];
  if (!type) throw bad(field, `unknown column "${col}"`);
  if (type !== 'timestamp') throw bad(field, `column "${col}" is ${columnTypeName(type)}, not TIMESTAMP`);
  return col;
}

function mapForecast(fc: pb.ForecastSpec, schema: DatasetSchema): ml.ForecastSpec {
  const timeColumn = timeColumnOf(fc.timeColumn, schema, 'spec.forecast.time_column');
  if (!fc.frequencySeconds) throw bad('spec.forecast.frequency_seconds', 'the series frequency is required');
  if (!fc.horizon) throw bad('spec.forecast.horizon', 'the horizon (steps ahead) is required');
  if (fc.groupColumn && !schema.types[fc.groupColumn]) throw bad('spec.forecast.group_column', `unknown column "${fc.groupColumn}"`);
  const rolling = fc.windows.map((w, i) => {
    const fn = ROLLING[w.function];
    if (!fn) throw bad(`spec.forecast.windows[${i}].function`, 'a rolling function is required (mean, min, max)');
    return { window: w.size, stats: [fn] };
  });
  const layout = fc.layout === pb.Layout.LAYOUT_SEQUENCE ? 'sequence' : 'flat';
  return {
    timeColumn,
    frequencySeconds: fc.frequencySeconds,
    ...(fc.groupColumn ? { groupColumn: fc.groupColumn } : {}),
    fill: FILLS[fc.fill] ?? 'ffill',
    lags: [...fc.lags],
    rolling,
    horizon: fc.horizon,
    layout,
    ...(layout === 'sequence' ? { sequenceLength: fc.sequenceLength } : {}),
    ...(fc.seasonality ? { seasonality: fc.seasonality } : {}),
  };
}

function mapSplit(split: pb.Split | undefined, forecast: ml.ForecastSpec | undefined, schema: DatasetSchema, optional: boolean): ml.SplitSpec | undefined {
  if (split?.time) {
    const t = split.time;
    const column = t.column ? timeColumnOf(t.column, schema, 'spec.split.time.column') : forecast ? forecast.timeColumn : timeColumnOf('', schema, 'spec.split.time.column');
    if (!t.validationStart) throw bad('spec.split.time.validation_start', 'the start of the validation period is required');
    if (!t.testStart) throw bad('spec.split.time.test_start', 'the start of the test period is required');
    if (!(t.validationStart.getTime() < t.testStart.getTime())) throw bad('spec.split.time.test_start', 'test_start must be after validation_start');
    return { kind: 'time', column, trainBefore: t.validationStart.getTime() * 1000, validationBefore: t.testStart.getTime() * 1000 };
  }
  if (forecast && optional && !split?.random) return undefined;
  if (forecast) throw bad('spec.split', 'a forecast needs a time split (split.time), so windows never cross a split boundary');
  const r = split?.random ?? { validationFraction: 0, testFraction: 0, seed: 0 };
  const [v, t] = r.validationFraction === 0 && r.testFraction === 0 ? [0.1, 0.1] : [r.validationFraction, r.testFraction];
  if (!(v > 0 && v < 1)) throw bad('spec.split.random.validation_fraction', 'must be in (0, 1): an empty validation split is not allowed');
  if (!(t > 0 && t < 1)) throw bad('spec.split.random.test_fraction', 'must be in (0, 1): an empty test split is not allowed');
  if (!(v + t < 1)) throw bad('spec.split.random.test_fraction', 'validation_fraction + test_fraction must leave rows for the train split');
  if (!Number.isSafeInteger(r.seed)) throw bad('spec.split.random.seed', 'the seed must be an integer below 2^53');
  return { kind: 'random', seed: r.seed, train: 1 - v - t, validation: v };
}

/**
 * Maps a protobuf FeatureSpec to libs/ml's FeatureSpec, checking it against the dataset
 * schema on the way (unknown columns, steps that do not fit a column's type, missing
 * target, task or split settings). `splitOptional` (previews) lets a forecast go without a split.
 * @throws InvalidArgumentError naming the protobuf field, e.g.
 * `spec.features[2].steps[0].one_hot: column "speed" is NUMBER`.
 */
export function mapFeatureSpec(spec: pb.FeatureSpec | undefined, schema: DatasetSchema, options: { splitOptional?: boolean } = {}): MappedSpec {
  if (!spec) throw bad('spec', 'a feature spec is required');
  const task = TASKS[spec.task];
  if (!task) throw bad('spec.task', 'a task is required (regression, classification, forecast, text_classification)');
  if (!spec.target) throw bad('spec.target', 'a target column is required');
  const targetType = schema.types[spec.target];
  if (!targetType) throw bad('spec.target', `unknown column "${spec.target}"`);
  const { features, stepPaths } = mapFeatures(spec, schema);
  if (task !== 'forecast' && spec.forecast) throw bad('spec.forecast', `forecast settings do not fit a ${task} task`);
  if (task === 'forecast' && !spec.forecast) throw bad('spec.forecast', 'a forecast task needs forecast settings');
  const forecast = spec.forecast ? mapForecast(spec.forecast, schema) : undefined;
  const split = mapSplit(spec.split, forecast, schema, options.splitOptional ?? false);
  const timeZone = spec.timeZone || schema.timeZone || 'UTC';
  const mlSpec: ml.FeatureSpec = {
    task,
    target: { column: spec.target, ...(spec.scaleTarget ? { steps: [{ kind: 'standardize' as const }] } : {}) },
    features,
    timeZone,
    ...(forecast ? { forecast } : {}),
    ...(split ? { split } : {}),
  };
  return { ml: mlSpec, normalized: normalize(spec, mlSpec), stepPaths };
}

function normalize(spec: pb.FeatureSpec, m: ml.FeatureSpec): pb.FeatureSpec {
  const n = pb.FeatureSpec.fromPartial(spec);
  n.timeZone = m.timeZone ?? 'UTC';
  for (const f of n.features) {
    for (const s of f.steps) {
      if (s.datetimeParts) s.datetimeParts.cyclical = s.datetimeParts.cyclical ?? true;
      if (s.text) {
        s.text.lowercase = s.text.lowercase ?? true;
        if (!s.text.weighting) s.text.weighting = pb.TextWeighting.TEXT_WEIGHTING_BAG_OF_WORDS;
      }
    }
  }
  if (m.forecast && n.forecast) {
    n.forecast.timeColumn = m.forecast.timeColumn;
    n.forecast.fill = Number(Object.entries(FILLS).find(([, v]) => v === m.forecast?.fill)?.[0]);
    n.forecast.layout = m.forecast.layout === 'sequence' ? pb.Layout.LAYOUT_SEQUENCE : pb.Layout.LAYOUT_FLAT;
  }
  const s = m.split;
  if (!s) return n;
  n.split =
    s.kind === 'time'
      ? { time: { validationStart: n.split?.time?.validationStart, testStart: n.split?.time?.testStart, column: s.column } }
      : { random: { validationFraction: s.validation, testFraction: round(1 - s.train - s.validation), seed: s.seed } };
  return n;
}

const round = (x: number) => Math.round(x * 1e12) / 1e12;

/** The canonical bytes of a normalized spec (protobuf encoding: fields in number order, defaults omitted). */
export function canonicalSpecBytes(spec: pb.FeatureSpec): Uint8Array {
  return pb.FeatureSpec.encode(spec).finish();
}
