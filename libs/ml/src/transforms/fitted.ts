import { FormatError } from '../errors';
import type { DatetimePart, ForecastSpec, Task } from './spec';

/** The fitted-transform format this library writes and reads. */
export const TRANSFORM_FORMAT_VERSION = 1;

/** A fitted one-value step. Bounds absent from a clip are null (JSON has no Infinity). */
export type FittedScalarStep =
  | { kind: 'impute'; value: number }
  | { kind: 'clip'; min: number | null; max: number | null }
  | { kind: 'standardize'; mean: number; std: number }
  | { kind: 'minmax'; min: number; range: number }
  | { kind: 'log1p' };

/** A fitted multi-feature step. */
export type FittedExpandStep =
  | { kind: 'onehot'; categories: (string | number)[] }
  | { kind: 'hash'; buckets: number }
  | { kind: 'datetime'; parts: DatetimePart[]; cyclical: boolean }
  | { kind: 'weekend' }
  | { kind: 'holiday'; dates: string[]; calendar: 'us' | null }
  | {
      kind: 'text';
      vocabulary: string[];
      idf: number[] | null;
      bigrams: boolean;
      lowercase: boolean;
    };

/** One fitted feature column: its scalar chain, then at most the expanders. */
export interface FittedColumn {
  column: string;
  type: string;
  /** Numeric columns: the fitted one-value steps, in order. */
  scalar: FittedScalarStep[];
  /** Category / text columns: the fitted impute value (null = no impute step). */
  imputeText: string | null;
  expand: FittedExpandStep[];
  featureNames: string[];
}

/** The fitted target: scaling steps for numbers, or the class labels. */
export type FittedTarget =
  | { column: string; type: string; kind: 'numeric'; steps: FittedScalarStep[] }
  | { column: string; type: string; kind: 'classes'; classes: string[] };

/** Forecast settings with defaults filled in and the train statistics they need. */
export interface FittedForecast extends Required<Omit<ForecastSpec, 'groupColumn' | 'seasonality' | 'sequenceLength'>> {
  groupColumn: string | null;
  seasonality: number | null;
  sequenceLength: number | null;
  /** Train mean of the raw target (the `mean` gap fill). */
  targetMean: number;
  /** Past steps one window reads. */
  lookback: number;
}

/**
 * A fitted transform: everything needed to turn raw frames into model inputs, as a plain
 * JSON-serializable object. Statistics come only from the frame it was fitted on.
 */
export interface FittedTransform {
  formatVersion: number;
  task: Task;
  timeZone: string;
  target: FittedTarget;
  columns: FittedColumn[];
  /** Names of the features (per step, for the sequence layout). */
  featureNames: string[];
  /** Shape of one example, without the batch axis: [features] or [steps, features]. */
  inputShape: number[];
  /** Model output width: 1 (regression), class count, or the horizon. */
  outputSize: number;
  forecast: FittedForecast | null;
}

/** JSON text of a fitted transform. */
export function serializeTransform(fitted: FittedTransform): string {
  return JSON.stringify(fitted);
}

/**
 * Reads a fitted transform from JSON text (or an already parsed object).
 * @throws FormatError when the format version is missing or not one this library reads.
 */
export function deserializeTransform(input: string | object): FittedTransform {
  const obj = (typeof input === 'string' ? JSON.parse(input) : input) as Partial<FittedTransform>;
  if (typeof obj !== 'object' || obj === null || typeof obj.formatVersion !== 'number') {
    throw new FormatError('not a fitted transform: formatVersion is missing');
  }
  if (obj.formatVersion !== TRANSFORM_FORMAT_VERSION) {
    throw new FormatError(
      `fitted transform format ${obj.formatVersion} is not supported (this library reads ${TRANSFORM_FORMAT_VERSION})`,
    );
  }
  if (!obj.target || !Array.isArray(obj.columns) || !Array.isArray(obj.inputShape)) {
    throw new FormatError('fitted transform is incomplete');
  }
  return obj as FittedTransform;
}
