import type { inference } from '@cityml/proto';
import type { CityML } from '../cityml';
import type { PredictOptions } from '../inference';
import type { PlainRow } from './rows';

/** A registered model to predict with: its name and an alias or a version (neither: `production`). */
export interface ModelSelector {
  name: string;
  alias?: string;
  version?: number;
}

/**
 * Parses `name`, `name@alias` or `name@3` (a version number; `name@v3` too) into a
 * {@link ModelSelector}.
 */
export function parseModelRef(ref: string | ModelSelector): ModelSelector {
  if (typeof ref !== 'string') return ref;
  const at = ref.lastIndexOf('@');
  if (at < 0) return { name: ref };
  const name = ref.slice(0, at);
  const tail = ref.slice(at + 1);
  const m = /^v?(\d+)$/.exec(tail);
  return m ? { name, version: Number(m[1]) } : { name, alias: tail };
}

/** One forecast series: the group (e.g. a sensor id; '' without groups) and its next `horizon` values. */
export interface ForecastSeries {
  group: string;
  values: number[];
}

/** A prediction as plain values. Exactly one of values / labels / forecasts is filled, by `kind`. */
export interface PlainPrediction {
  modelName: string;
  modelVersion: number;
  kind: 'regression' | 'classification' | 'forecast';
  /** Regression: one value per input row, in the target's units. */
  values: number[];
  /** Classification: one label per input row… */
  labels: string[];
  /** …and its class probabilities (label → probability). */
  probabilities: Record<string, number>[];
  /** Forecast: one series per group in the input. */
  forecasts: ForecastSeries[];
}

/** Turns a PredictResponse into a {@link PlainPrediction}. */
export function plainPrediction(res: inference.PredictResponse): PlainPrediction {
  const base = { modelName: res.modelName, modelVersion: res.modelVersion, values: [] as number[], labels: [] as string[], probabilities: [] as Record<string, number>[], forecasts: [] as ForecastSeries[] };
  if (res.horizon > 0) {
    const h = res.horizon;
    return { ...base, kind: 'forecast', forecasts: res.groups.map((group, i) => ({ group, values: res.forecast.slice(i * h, (i + 1) * h) })) };
  }
  if (res.labels.length) {
    const k = res.classLabels.length;
    const probabilities = res.labels.map((_, i) => Object.fromEntries(res.classLabels.map((c, j) => [c, res.probabilities[i * k + j]])));
    return { ...base, kind: 'classification', labels: res.labels, probabilities };
  }
  return { ...base, kind: 'regression', values: res.values };
}

/**
 * Predicts with a registered model (`NAME`, `NAME@ALIAS`, `NAME@VERSION`, `NAME:VERSION`
 * or a {@link ModelSelector}) from plain row objects with the dataset's column names
 * (Dates or ISO 8601 strings for timestamps; see {@link toRowBatch}) through the
 * inference client, and returns plain values. For a forecast model, give each series'
 * last readings (enough for its lags and windows); the answer has the next `horizon`
 * values per series.
 * @throws CityMLClientError NOT_FOUND (unknown model, version or alias), INVALID_ARGUMENT
 * (a missing or mistyped column; details name column and row), UNAVAILABLE (the model
 * failed to load), UNAUTHENTICATED / PERMISSION_DENIED.
 */
export async function predict(client: CityML, model: string | ModelSelector | { modelName: string; alias?: string; version?: number }, rows: readonly PlainRow[], options: PredictOptions = {}): Promise<PlainPrediction> {
  return plainPrediction(await client.inference.predict(modelText(model), rows as Record<string, unknown>[], { deadlineMs: 60_000, ...options }));
}

/** `NAME`, `NAME@ALIAS` or `NAME:VERSION` for a reference given as text or as an object. */
function modelText(model: string | ModelSelector | { modelName: string; alias?: string; version?: number }): string {
  if (typeof model === 'string') {
    const m = /^(.+)@v?(\d+)$/.exec(model);
    return m ? `${m[1]}:${m[2]}` : model;
  }
  const name = 'modelName' in model ? model.modelName : model.name;
  return model.version ? `${name}:${model.version}` : model.alias ? `${name}@${model.alias}` : name;
}
