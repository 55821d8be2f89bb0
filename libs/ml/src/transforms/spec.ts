/**
 * The declarative feature spec: what the preprocessing service receives (mapped from its
 * protobuf message or from YAML / JSON) and what {@link fitTransform} fits.
 */

/** The learning task; decides the target encoding and the model head. */
export type Task = 'regression' | 'classification' | 'forecast' | 'text_classification';

/** Replaces nulls (and NaN). `constant` uses `value`; the others are fitted on the train frame. */
export interface ImputeStep {
  kind: 'impute';
  strategy: 'mean' | 'median' | 'most_frequent' | 'constant';
  /** The constant (a number for numeric columns, a string for category / text). */
  value?: number | string;
}
/** Clamps values to [min, max] (either bound optional). */
export interface ClipStep {
  kind: 'clip';
  min?: number;
  max?: number;
}
/** (x - mean) / std with the train mean and population std (std 0 → 1). */
export interface StandardizeStep {
  kind: 'standardize';
}
/** (x - min) / (max - min) with the train min and max (a constant column → 0). */
export interface MinMaxStep {
  kind: 'minmax';
}
/** Signed log1p: sign(x) · ln(1 + |x|), so negative values stay finite. */
export interface Log1pStep {
  kind: 'log1p';
}
/**
 * One-hot over the most frequent `maxCategories` train values (ties by value), plus an
 * `__other__` column for every other value, unseen values and nulls.
 */
export interface OneHotStep {
  kind: 'onehot';
  maxCategories?: number;
}
/** One-hot over `buckets` hash buckets (FNV-1a of the value's text). */
export interface HashStep {
  kind: 'hash';
  buckets: number;
}
/** A part of a local date-time. day_of_week is 0 = Monday … 6 = Sunday. */
export type DatetimePart = 'hour' | 'day_of_week' | 'month' | 'day_of_year';
/**
 * Date-time parts in the spec's time zone; `cyclical` (default true) emits sin and cos of
 * 2π·part/period instead of the raw integer (hour 0-23, dow 0-6, month 0-11, doy 0-365).
 */
export interface DatetimeStep {
  kind: 'datetime';
  parts: DatetimePart[];
  cyclical?: boolean;
}
/** 1 on local Saturdays and Sundays. */
export interface WeekendStep {
  kind: 'weekend';
}
/**
 * 1 on holidays: the listed local dates (`YYYY-MM-DD`), and / or a built-in rule-based
 * calendar (`us`: federal holidays and their observed days).
 */
export interface HolidayStep {
  kind: 'holiday';
  dates?: string[];
  calendar?: 'us';
}
/** Text vectorization over a vocabulary of the `maxTokens` most frequent train tokens. */
export interface TextStep {
  kind: 'text';
  maxTokens: number;
  /** `bow`: token counts; `tfidf`: tf · smoothed idf, L2-normalized per row. */
  mode: 'bow' | 'tfidf';
  /** Adds "a b" bigrams to the candidate tokens. */
  bigrams?: boolean;
  /** Lowercase before tokenizing (default true). */
  lowercase?: boolean;
}

/** Steps that map one value to one value. */
export type ScalarStep = ImputeStep | ClipStep | StandardizeStep | MinMaxStep | Log1pStep;
/** Steps that turn a value into several features; they end a column's step list. */
export type ExpandStep = OneHotStep | HashStep | DatetimeStep | WeekendStep | HolidayStep | TextStep;
/** Any step. */
export type Step = ScalarStep | ExpandStep;

/** A feature column and its ordered steps. No steps on a numeric column passes it through. */
export interface FeatureColumnSpec {
  column: string;
  steps: Step[];
}

/** Scaling of a numeric target (inverted at prediction time). */
export type TargetStep = StandardizeStep | MinMaxStep | Log1pStep;

/** The target column. Classification targets become class indices over the train labels. */
export interface TargetSpec {
  column: string;
  steps?: TargetStep[];
}

/** How gaps in a resampled series are filled (`mean` uses the train mean of the target). */
export type FillMethod = 'ffill' | 'linear' | 'zero' | 'mean';

/** A rolling window over the last `window` steps of the target. */
export interface RollingSpec {
  window: number;
  stats: ('mean' | 'min' | 'max')[];
}

/** Forecast settings: the time axis, resampling, lags and the horizon. */
export interface ForecastSpec {
  timeColumn: string;
  /** The series frequency in seconds (3600 = hourly). */
  frequencySeconds: number;
  /** One series per value of this column (e.g. a sensor id). */
  groupColumn?: string;
  fill: FillMethod;
  /** Flat layout: lag k is the target k steps before the first predicted step (lag 1 = last reading). */
  lags?: number[];
  rolling?: RollingSpec[];
  /** Number of future steps predicted. */
  horizon: number;
  layout: 'flat' | 'sequence';
  /** Sequence layout: number of past steps fed to the model. */
  sequenceLength?: number;
  /** Season length in steps for the seasonal-naive baseline (e.g. 24 for hourly data). */
  seasonality?: number;
}

/** Random split: fractions of rows (test gets the rest), shuffled with `seed`. */
export interface RandomSplit {
  kind: 'random';
  seed: number;
  train: number;
  validation: number;
}
/** Time split: train before `trainBefore`, validation before `validationBefore`, test after. */
export interface TimeSplit {
  kind: 'time';
  column: string;
  /** Epoch microseconds or an ISO-8601 string. */
  trainBefore: number | string;
  validationBefore: number | string;
}
/** How rows are split into train / validation / test. */
export type SplitSpec = RandomSplit | TimeSplit;

/** The whole feature spec. */
export interface FeatureSpec {
  task: Task;
  target: TargetSpec;
  features: FeatureColumnSpec[];
  /** IANA time zone for date-time features and holidays (default UTC). */
  timeZone?: string;
  forecast?: ForecastSpec;
  split?: SplitSpec;
}
