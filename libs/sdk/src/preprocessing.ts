import { common, preprocessing } from '@cityml/proto';
import { callOptions, createClient, serverStream, unary, type ConnectionOptions } from './core';
const pb = preprocessing;

/** States a feature set passes through; READY and FAILED are final. */
export const FeatureSetState = pb.FeatureSetState;

/** A feature set as this client returns it (the protobuf message). */
export type FeatureSet = preprocessing.FeatureSet;

/** A finished feature set that ended FAILED; `featureSet.error` says why. */
export class FeatureSetFailedError extends Error {
  constructor(readonly featureSet: FeatureSet) {
    super(`feature set ${featureSet.id} failed: ${featureSet.error}`);
    this.name = 'FeatureSetFailedError';
  }
}

/**
 * Decodes a stored tensor (float32, little endian, row major, no header; the format of
 * every `*_artifact_id` of a {@link FeatureSet}) from its bytes. Shapes are on the
 * feature set: `train.xShape`, `train.yShape`, ….
 */
export function decodeTensor(bytes: Uint8Array): Float32Array {
  if (bytes.byteLength % 4 !== 0) throw new Error(`a float32 tensor cannot be ${bytes.byteLength} bytes`);
  const out = new Float32Array(bytes.byteLength / 4);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}

/** Feature spec as a protobuf message, or in the friendly form {@link parseFeatureSpec} reads. */
export type SpecLike = preprocessing.FeatureSpec | Record<string, unknown>;

function toSpec(spec: SpecLike): preprocessing.FeatureSpec {
  const s = spec as Partial<preprocessing.FeatureSpec>;
  const isProto = typeof s.task === 'number' && Array.isArray(s.features) && Array.isArray(s.holidays);
  return isProto ? (spec as preprocessing.FeatureSpec) : parseFeatureSpec(spec);
}

/** Typed client of the preprocessing service (cityml.preprocessing.v1.PreprocessingService). */
export class PreprocessingClient {
  /** The generated grpc-js client, for calls this class does not wrap. */
  readonly raw: preprocessing.PreprocessingServiceClient;

  constructor(readonly options: ConnectionOptions) {
    this.raw = createClient(preprocessing.PreprocessingServiceClient, options);
  }

  /**
   * Starts materializing a feature set of `dataset` at `version` (0 or absent = latest) and
   * returns it at once (state PENDING), or the existing one for the same dataset, version and
   * spec (`created` false). Fails with INVALID_ARGUMENT naming the field for a bad spec
   * (nothing is stored), NOT_FOUND for an unknown dataset or version, FAILED_PRECONDITION for
   * a dataset without rows, UNAVAILABLE when ingestion is down.
   */
  createFeatureSet(req: { dataset: string; version?: number; spec: SpecLike }): Promise<preprocessing.CreateFeatureSetResponse> {
    return unary(this.raw.createFeatureSet.bind(this.raw), { dataset: req.dataset, datasetVersion: req.version ?? 0, spec: toSpec(req.spec) }, callOptions(this.options, 120_000));
  }

  /** A feature set by id; NOT_FOUND when unknown (or another tenant's). */
  async getFeatureSet(id: string): Promise<FeatureSet> {
    const res = await unary(this.raw.getFeatureSet.bind(this.raw), { id }, callOptions(this.options));
    return res.featureSet as FeatureSet;
  }

  /** Feature sets, newest first, optionally of one dataset; pass `nextPageToken` back for more. */
  listFeatureSets(req: { dataset?: string; pageSize?: number; pageToken?: string } = {}): Promise<preprocessing.ListFeatureSetsResponse> {
    return unary(this.raw.listFeatureSets.bind(this.raw), { dataset: req.dataset ?? '', pageSize: req.pageSize ?? 0, pageToken: req.pageToken ?? '' }, callOptions(this.options));
  }

  /** Streams a feature set's state and progress until READY or FAILED (NOT_FOUND when unknown). */
  watchFeatureSet(id: string): AsyncIterable<preprocessing.WatchFeatureSetResponse> {
    return serverStream(this.raw.watchFeatureSet({ id }));
  }

  /**
   * Waits until the feature set is READY and returns it, calling `onProgress` on each update.
   * @throws FeatureSetFailedError when it ends FAILED; CityMLClientError for call errors.
   */
  async waitForFeatureSet(id: string, onProgress?: (fs: FeatureSet, message: string) => void): Promise<FeatureSet> {
    for (let attempt = 0; ; attempt++) {
      for await (const update of this.watchFeatureSet(id)) {
        const fs = update.featureSet as FeatureSet;
        onProgress?.(fs, update.message);
        if (fs.state === pb.FeatureSetState.FEATURE_SET_STATE_READY) return fs;
        if (fs.state === pb.FeatureSetState.FEATURE_SET_STATE_FAILED) throw new FeatureSetFailedError(fs);
      }
      // The stream ended early (the server is draining): look again.
      const fs = await this.getFeatureSet(id);
      if (fs.state === pb.FeatureSetState.FEATURE_SET_STATE_READY) return fs;
      if (fs.state === pb.FeatureSetState.FEATURE_SET_STATE_FAILED) throw new FeatureSetFailedError(fs);
      await new Promise((r) => setTimeout(r, Math.min(5000, 200 * 2 ** attempt)));
    }
  }

  /**
   * Fits a spec on `rows` (or the first `limit` rows of a dataset version) and returns the
   * features, for trying a spec out. INVALID_ARGUMENT naming the field for a bad spec.
   */
  previewTransform(req: { spec: SpecLike; rows?: common.RowBatch; dataset?: string; version?: number; limit?: number }): Promise<preprocessing.PreviewTransformResponse> {
    return unary(
      this.raw.previewTransform.bind(this.raw),
      { spec: toSpec(req.spec), rows: req.rows, dataset: req.dataset ?? '', datasetVersion: req.version ?? 0, limit: req.limit ?? 0 },
      callOptions(this.options, 60_000),
    );
  }

  close(): void {
    this.raw.close();
  }
}

// ---------------------------------------------------------------------------------------
// The friendly feature spec format (YAML / JSON) and its mapping to the protobuf message.

/** A feature spec that {@link parseFeatureSpec} cannot read; the message starts with the path. */
export class FeatureSpecParseError extends Error {
  constructor(
    readonly path: string,
    reason: string,
  ) {
    super(`${path}: ${reason}`);
    this.name = 'FeatureSpecParseError';
  }
}

type Obj = Record<string, unknown>;
const norm = (k: string) => k.replace(/[_-]/g, '').toLowerCase();

/** Reads `obj` with keys compared case- and underscore-insensitively (`max_categories` = `maxCategories`). */
function keys(obj: unknown, path: string, allowed: string[]): Obj {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) throw new FeatureSpecParseError(path, 'must be an object');
  const out: Obj = {};
  const table = new Map(allowed.map((a) => [norm(a), a]));
  for (const [k, v] of Object.entries(obj)) {
    const name = table.get(norm(k));
    if (!name) throw new FeatureSpecParseError(`${path}.${k}`, `unknown key (expected one of ${allowed.join(', ')})`);
    out[name] = v;
  }
  return out;
}

function pick<T>(v: unknown, path: string, table: Record<string, T>): T {
  const hit = typeof v === 'string' ? table[norm(v)] : undefined;
  if (hit === undefined) throw new FeatureSpecParseError(path, `must be one of ${Object.keys(table).join(', ')}`);
  return hit;
}

function num(v: unknown, path: string, int = false): number {
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isFinite(n) || (int && !Number.isInteger(n))) throw new FeatureSpecParseError(path, int ? 'must be an integer' : 'must be a number');
  return n;
}

function list(v: unknown, path: string): unknown[] {
  if (!Array.isArray(v)) throw new FeatureSpecParseError(path, 'must be a list');
  return v;
}

function date(v: unknown, path: string): Date {
  const d = v instanceof Date ? v : typeof v === 'string' ? new Date(v) : undefined;
  if (!d || Number.isNaN(d.getTime())) throw new FeatureSpecParseError(path, 'must be a date or date-time (ISO 8601)');
  return d;
}

const UNITS: Record<string, number> = { s: 1, sec: 1, m: 60, min: 60, h: 3600, hr: 3600, d: 86_400, w: 604_800 };

/** Seconds of a frequency: a number of seconds or text such as `15m`, `1h`, `1d`. */
export function parseFrequency(v: unknown, path = 'forecast.frequency'): number {
  if (typeof v === 'number') return num(v, path, true);
  const m = typeof v === 'string' ? v.trim().match(/^(\d+)\s*([a-z]+)?$/i) : null;
  const unit = m ? UNITS[(m[2] ?? 's').toLowerCase()] : undefined;
  if (!m || !unit) throw new FeatureSpecParseError(path, 'must be seconds or a duration like 15m, 1h, 1d');
  return Number(m[1]) * unit;
}

const TASKS = { regression: pb.Task.TASK_REGRESSION, classification: pb.Task.TASK_CLASSIFICATION, forecast: pb.Task.TASK_FORECAST, textclassification: pb.Task.TASK_TEXT_CLASSIFICATION };
const IMPUTES = { mean: pb.ImputeStrategy.IMPUTE_STRATEGY_MEAN, median: pb.ImputeStrategy.IMPUTE_STRATEGY_MEDIAN, mostfrequent: pb.ImputeStrategy.IMPUTE_STRATEGY_MOST_FREQUENT, constant: pb.ImputeStrategy.IMPUTE_STRATEGY_CONSTANT };
const PARTS = { hour: pb.DatetimePart.DATETIME_PART_HOUR, dayofweek: pb.DatetimePart.DATETIME_PART_DAY_OF_WEEK, month: pb.DatetimePart.DATETIME_PART_MONTH, dayofyear: pb.DatetimePart.DATETIME_PART_DAY_OF_YEAR };
const WEIGHTS = { bagofwords: pb.TextWeighting.TEXT_WEIGHTING_BAG_OF_WORDS, bow: pb.TextWeighting.TEXT_WEIGHTING_BAG_OF_WORDS, tfidf: pb.TextWeighting.TEXT_WEIGHTING_TF_IDF };
const FILLS = { forward: pb.FillMethod.FILL_METHOD_FORWARD, ffill: pb.FillMethod.FILL_METHOD_FORWARD, linear: pb.FillMethod.FILL_METHOD_LINEAR, zero: pb.FillMethod.FILL_METHOD_ZERO, mean: pb.FillMethod.FILL_METHOD_MEAN };
const ROLLS = { mean: pb.RollingFunction.ROLLING_FUNCTION_MEAN, min: pb.RollingFunction.ROLLING_FUNCTION_MIN, max: pb.RollingFunction.ROLLING_FUNCTION_MAX };
const LAYOUTS = { flat: pb.Layout.LAYOUT_FLAT, sequence: pb.Layout.LAYOUT_SEQUENCE };
const STEP_NAMES = { impute: 'impute', clip: 'clip', standardize: 'standardize', minmax: 'minMax', log1p: 'log1p', onehot: 'oneHot', hashbuckets: 'hashBuckets', hash: 'hashBuckets', datetimeparts: 'datetimeParts', datetime: 'datetimeParts', calendarflags: 'calendarFlags', weekend: 'weekend', holiday: 'holiday', text: 'text' } as const;

function parseStep(input: unknown, path: string): preprocessing.Step {
  const [rawName, arg] = typeof input === 'string' ? [input, undefined] : (() => {
    const entries = typeof input === 'object' && input !== null && !Array.isArray(input) ? Object.entries(input) : [];
    if (entries.length !== 1) throw new FeatureSpecParseError(path, 'a step is a name (`standardize`) or an object with one key (`{impute: mean}`)');
    return entries[0];
  })();
  const name = pick(rawName, path, STEP_NAMES);
  const p = `${path}.${rawName}`;
  const a = arg ?? {};
  switch (name) {
    case 'impute': {
      if (typeof a === 'string') return { impute: { strategy: pick(a, p, IMPUTES), numberValue: 0, stringValue: '' } };
      const o = keys(a, p, ['strategy', 'value']);
      const value = o.value;
      return { impute: { strategy: pick(o.strategy ?? (value !== undefined ? 'constant' : undefined), `${p}.strategy`, IMPUTES), numberValue: typeof value === 'number' ? value : 0, stringValue: typeof value === 'string' ? value : '' } };
    }
    case 'clip': {
      const o = keys(a, p, ['min', 'max']);
      return { clip: { ...(o.min !== undefined ? { min: num(o.min, `${p}.min`) } : {}), ...(o.max !== undefined ? { max: num(o.max, `${p}.max`) } : {}) } };
    }
    case 'standardize':
      return { standardize: {} };
    case 'minMax':
      return { minMax: {} };
    case 'log1p':
      return { log1p: {} };
    case 'oneHot': {
      const o = typeof a === 'number' ? { maxCategories: a } : keys(a, p, ['maxCategories']);
      return { oneHot: { maxCategories: o.maxCategories === undefined ? 0 : num(o.maxCategories, `${p}.max_categories`, true) } };
    }
    case 'hashBuckets': {
      const o = typeof a === 'number' ? { buckets: a } : keys(a, p, ['buckets']);
      return { hashBuckets: { buckets: num(o.buckets, `${p}.buckets`, true) } };
    }
    case 'datetimeParts': {
      const o = Array.isArray(a) ? { parts: a } : keys(a, p, ['parts', 'cyclical']);
      const parts = list(o.parts, `${p}.parts`).map((x, i) => pick(x, `${p}.parts[${i}]`, PARTS));
      return { datetimeParts: { parts, ...(o.cyclical !== undefined ? { cyclical: Boolean(o.cyclical) } : {}) } };
    }
    case 'calendarFlags': {
      const o = keys(a, p, ['weekend', 'holiday']);
      return { calendarFlags: { weekend: Boolean(o.weekend), holiday: Boolean(o.holiday) } };
    }
    case 'weekend':
      return { calendarFlags: { weekend: true, holiday: false } };
    case 'holiday':
      return { calendarFlags: { weekend: false, holiday: true } };
    case 'text': {
      const o = keys(a, p, ['vocabularySize', 'weighting', 'bigrams', 'lowercase']);
      return {
        text: {
          vocabularySize: num(o.vocabularySize, `${p}.vocabulary_size`, true),
          weighting: o.weighting === undefined ? pb.TextWeighting.TEXT_WEIGHTING_BAG_OF_WORDS : pick(o.weighting, `${p}.weighting`, WEIGHTS),
          bigrams: Boolean(o.bigrams),
          ...(o.lowercase !== undefined ? { lowercase: Boolean(o.lowercase) } : {}),
        },
      };
    }
  }
}

function parseSplit(input: unknown): preprocessing.Split {
  const o = keys(input, 'split', ['random', 'time']);
  if (o.random !== undefined) {
    const r = keys(o.random ?? {}, 'split.random', ['validation', 'test', 'seed', 'validationFraction', 'testFraction']);
    const v = r.validation ?? r.validationFraction;
    const t = r.test ?? r.testFraction;
    return { random: { validationFraction: v === undefined ? 0.1 : num(v, 'split.random.validation'), testFraction: t === undefined ? 0.1 : num(t, 'split.random.test'), seed: r.seed === undefined ? 0 : num(r.seed, 'split.random.seed', true) } };
  }
  const t = keys(o.time, 'split.time', ['validationStart', 'testStart', 'column']);
  return { time: { validationStart: date(t.validationStart, 'split.time.validation_start'), testStart: date(t.testStart, 'split.time.test_start'), column: t.column === undefined ? '' : String(t.column) } };
}

function parseForecast(input: unknown): preprocessing.ForecastSpec {
  const o = keys(input, 'forecast', ['frequency', 'frequencySeconds', 'fill', 'lags', 'windows', 'rolling', 'horizon', 'group', 'groupColumn', 'layout', 'sequenceLength', 'timeColumn', 'seasonality']);
  const windows: preprocessing.RollingWindow[] = [];
  list(o.windows ?? [], 'forecast.windows').forEach((w, i) => {
    const r = keys(w, `forecast.windows[${i}]`, ['size', 'function']);
    windows.push({ size: num(r.size, `forecast.windows[${i}].size`, true), function: pick(r.function, `forecast.windows[${i}].function`, ROLLS) });
  });
  list(o.rolling ?? [], 'forecast.rolling').forEach((w, i) => {
    const r = keys(w, `forecast.rolling[${i}]`, ['window', 'stats']);
    for (const [j, s] of list(r.stats, `forecast.rolling[${i}].stats`).entries()) {
      windows.push({ size: num(r.window, `forecast.rolling[${i}].window`, true), function: pick(s, `forecast.rolling[${i}].stats[${j}]`, ROLLS) });
    }
  });
  const freq = o.frequency ?? o.frequencySeconds;
  if (freq === undefined) throw new FeatureSpecParseError('forecast.frequency', 'is required (e.g. 1h)');
  return {
    frequencySeconds: parseFrequency(freq),
    fill: o.fill === undefined ? pb.FillMethod.FILL_METHOD_FORWARD : pick(o.fill, 'forecast.fill', FILLS),
    lags: list(o.lags ?? [], 'forecast.lags').map((l, i) => num(l, `forecast.lags[${i}]`, true)),
    windows,
    horizon: o.horizon === undefined ? 0 : num(o.horizon, 'forecast.horizon', true),
    groupColumn: String(o.group ?? o.groupColumn ?? ''),
    layout: o.layout === undefined ? pb.Layout.LAYOUT_FLAT : pick(o.layout, 'forecast.layout', LAYOUTS),
    sequenceLength: o.sequenceLength === undefined ? 0 : num(o.sequenceLength, 'forecast.sequence_length', true),
    timeColumn: String(o.timeColumn ?? ''),
    seasonality: o.seasonality === undefined ? 0 : num(o.seasonality, 'forecast.seasonality', true),
  };
}

/** The friendly feature spec (what {@link parseFeatureSpec} reads, e.g. from YAML). */
export type FeatureSpecInput = Record<string, unknown>;

/**
 * Maps the friendly feature spec (a parsed YAML or JSON object) to the protobuf FeatureSpec.
 * Keys may be snake_case or camelCase. The format:
 *
 * ```yaml
 * target: flow                       # the target column (required)
 * task: forecast                     # regression | classification | forecast | text_classification
 * time_zone: America/New_York        # optional; default: the dataset's time zone, else UTC
 * scale_target: true                 # standardize a numeric target
 * holidays: [2026-07-04]             # dates for `holiday` flags …
 * holiday_calendar: us               # … and/or the built-in US calendar
 * features:
 *   - column: ts
 *     steps:
 *       - datetime_parts: {parts: [hour, day_of_week, month, day_of_year], cyclical: true}
 *       - calendar_flags: {weekend: true, holiday: true}   # or the steps `weekend`, `holiday`
 *   - column: speed
 *     steps: [{impute: median}, {clip: {min: 0, max: 200}}, standardize]   # also min_max, log1p
 *   - column: road
 *     steps: [{impute: {strategy: constant, value: unknown}}, {one_hot: {max_categories: 20}}]
 *   - column: sensor
 *     steps: [{hash_buckets: 32}]
 *   - column: description
 *     steps: [{text: {vocabulary_size: 500, weighting: tf_idf, bigrams: true, lowercase: true}}]
 * split:                             # default: random 80 / 10 / 10, seed 0
 *   time: {validation_start: 2026-03-01, test_start: 2026-04-01}   # column: defaults to the time column
 *   # random: {validation: 0.1, test: 0.1, seed: 42}
 * forecast:
 *   frequency: 1h                    # seconds, or 30s, 15m, 1h, 1d, 1w
 *   fill: forward                    # forward | linear | zero | mean (gaps are also flagged)
 *   lags: [1, 2, 24]
 *   windows: [{size: 24, function: mean}]   # or rolling: [{window: 24, stats: [mean, max]}]
 *   horizon: 3
 *   group: sensor_id                 # one series per sensor
 *   layout: flat                     # flat [n, features] | sequence [n, steps, features]
 *   sequence_length: 24              # for layout: sequence
 *   seasonality: 24                  # for the seasonal-naive baseline
 *   time_column: ts                  # default: the dataset's time column
 * ```
 * @throws FeatureSpecParseError naming the path (`features[1].steps[0].clip.min: must be a number`).
 */
export function parseFeatureSpec(input: FeatureSpecInput | unknown): preprocessing.FeatureSpec {
  const o = keys(input, 'spec', ['target', 'task', 'features', 'split', 'forecast', 'holidays', 'holidayCalendar', 'scaleTarget', 'timeZone']);
  if (typeof o.target !== 'string' || !o.target) throw new FeatureSpecParseError('target', 'is required (the target column)');
  const features = list(o.features ?? [], 'features').map((f, i) => {
    const c = keys(f, `features[${i}]`, ['column', 'steps']);
    if (typeof c.column !== 'string' || !c.column) throw new FeatureSpecParseError(`features[${i}].column`, 'is required');
    return { column: c.column, steps: list(c.steps ?? [], `features[${i}].steps`).map((s, j) => parseStep(s, `features[${i}].steps[${j}]`)) };
  });
  return {
    target: o.target,
    task: pick(o.task, 'task', TASKS),
    features,
    split: o.split === undefined ? undefined : parseSplit(o.split),
    forecast: o.forecast === undefined ? undefined : parseForecast(o.forecast),
    holidays: list(o.holidays ?? [], 'holidays').map((d, i) => (d instanceof Date ? d.toISOString().slice(0, 10) : String(d ?? `holidays[${i}]`))),
    holidayCalendar: String(o.holidayCalendar ?? ''),
    scaleTarget: Boolean(o.scaleTarget),
    timeZone: String(o.timeZone ?? ''),
  };
}
