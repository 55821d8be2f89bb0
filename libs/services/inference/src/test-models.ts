/**
 * Test and benchmark helpers: small models built with libs/ml on synthetic city data,
 * encoded as bundles, and published through the registry's gRPC API. Not used in production.
 */
import { createHash } from 'node:crypto';
import { Metadata } from '@grpc/grpc-js';
import * as tf from '@tensorflow/tfjs';
import { buildModel, fitTransform, frameFromRows, type ColumnType, type FeatureSpec, type FittedTransform, type RowObject } from '@cityml/ml';
import { BUNDLE_FORMAT, bundleFromModel, encodeBundle, type BundleSignature } from '@cityml/ml/bundle';
import { common, registry } from '@cityml/proto';
import { callOptions, toClientError, unary, type CityML } from '@cityml/sdk';

/** A model built for a test: the TF.js model, its fitted transform, the bundle bytes. */
export interface TestModel {
  model: tf.LayersModel;
  fitted?: FittedTransform;
  signature: BundleSignature;
  bytes: Buffer;
  schema: Record<string, ColumnType>;
}

const H = 3600_000;
const T0 = Date.UTC(2024, 0, 1);
const LANES = ['north', 'south', 'east'];

/** Sensor rows: speed, lane, hour of reading, flow (the target). */
export function trafficRows(n: number, seed = 0): RowObject[] {
  return Array.from({ length: n }, (_, i) => {
    const k = i + seed;
    const speed = 20 + ((k * 37) % 80);
    const lane = LANES[k % 3];
    return { speed, lane, at: new Date(T0 + k * H).toISOString(), flow: 1000 - 6 * speed + (lane === 'north' ? 50 : 0), kind: speed > 60 ? 'free' : 'congested' };
  });
}

const TRAFFIC_SCHEMA: Record<string, ColumnType> = { speed: 'number', lane: 'category', at: 'timestamp', flow: 'number', kind: 'category' };

async function finish(model: tf.LayersModel, fitted: FittedTransform | undefined, signature: BundleSignature, schema: Record<string, ColumnType>): Promise<TestModel> {
  const bundle = await bundleFromModel(model, signature, fitted ? JSON.parse(JSON.stringify(fitted)) : undefined);
  return { model, fitted, signature, bytes: encodeBundle(bundle), schema };
}

function signatureOf(fitted: FittedTransform, kind: BundleSignature['outputKind']): BundleSignature {
  return {
    inputs: [{ name: 'features', dtype: 'float32', shape: [-1, ...fitted.inputShape] }],
    outputKind: kind,
    ...(fitted.target.kind === 'classes' ? { classLabels: fitted.target.classes } : {}),
    ...(fitted.forecast ? { horizon: fitted.forecast.horizon } : {}),
    inputColumns: fitted.columns.map((c) => c.column),
    target: fitted.target.column,
  };
}

/** Regression of flow from speed (standardized) and lane (one-hot), target standardized; seeded weights. */
export async function regressionModel(seed = 1, hiddenUnits = [8]): Promise<TestModel> {
  const spec: FeatureSpec = {
    task: 'regression',
    target: { column: 'flow', steps: [{ kind: 'standardize' }] },
    features: [
      { column: 'speed', steps: [{ kind: 'impute', strategy: 'median' }, { kind: 'standardize' }] },
      { column: 'lane', steps: [{ kind: 'onehot' }] },
    ],
  };
  const fitted = fitTransform(spec, frameFromRows(trafficRows(60), TRAFFIC_SCHEMA));
  return finish(buildModel({ kind: 'dense', hiddenUnits }, fitted, seed), fitted, signatureOf(fitted, 'regression'), TRAFFIC_SCHEMA);
}

/** Classification of kind (free / congested) from speed and the hour of day. */
export async function classificationModel(seed = 2): Promise<TestModel> {
  const spec: FeatureSpec = {
    task: 'classification',
    target: { column: 'kind' },
    features: [
      { column: 'speed', steps: [{ kind: 'standardize' }] },
      { column: 'at', steps: [{ kind: 'datetime', parts: ['hour'] }] },
    ],
  };
  const fitted = fitTransform(spec, frameFromRows(trafficRows(60), TRAFFIC_SCHEMA));
  return finish(buildModel({ kind: 'dense', hiddenUnits: [8] }, fitted, seed), fitted, signatureOf(fitted, 'classification'), TRAFFIC_SCHEMA);
}

/** Hourly series of two sensors (a, b), flow with a 6-hour cycle. */
export function seriesRows(hours: number, start = 0): RowObject[] {
  const rows: RowObject[] = [];
  for (let h = start; h < start + hours; h++) {
    const base = 50 + 40 * Math.sin((2 * Math.PI * h) / 6);
    rows.push({ at: new Date(T0 + h * H).toISOString(), sensor: 'a', flow: base });
    rows.push({ at: new Date(T0 + h * H).toISOString(), sensor: 'b', flow: 2 * base });
  }
  return rows;
}

export const SERIES_SCHEMA: Record<string, ColumnType> = { at: 'timestamp', sensor: 'category', flow: 'number' };

/** A 3-step forecast per sensor from lags 1..6. */
export async function forecastModel(seed = 3): Promise<TestModel> {
  const spec: FeatureSpec = {
    task: 'forecast',
    target: { column: 'flow', steps: [{ kind: 'standardize' }] },
    features: [{ column: 'sensor', steps: [{ kind: 'onehot' }] }],
    forecast: { timeColumn: 'at', frequencySeconds: 3600, groupColumn: 'sensor', fill: 'linear', lags: [1, 2, 3, 4, 5, 6], horizon: 3, layout: 'flat' },
  };
  const fitted = fitTransform(spec, frameFromRows(seriesRows(48), SERIES_SCHEMA));
  return finish(buildModel({ kind: 'dense', hiddenUnits: [8] }, fitted, seed), fitted, signatureOf(fitted, 'forecast'), SERIES_SCHEMA);
}

/** An imported model (no transform): y = 2·a − b + 1, inputs `a` and `b` as one [-1, 2] tensor. */
export async function importedModel(): Promise<TestModel> {
  const model = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [2], useBias: true })] });
  model.setWeights([tf.tensor2d([[2], [-1]]), tf.tensor1d([1])]);
  const signature: BundleSignature = { inputs: [{ name: 'x', dtype: 'float32', shape: [-1, 2] }], outputKind: 'regression', inputColumns: ['a', 'b'] };
  return finish(model, undefined, signature, { a: 'number', b: 'number' });
}

/** A dense regression over `features` numeric columns f0..f{n-1} (the benchmark's model). */
export async function denseModel(features: number, seed = 1, hiddenUnits = [32, 16]): Promise<TestModel & { rows: RowObject[] }> {
  const rows = Array.from({ length: 200 }, (_, i) => {
    const r: RowObject = {};
    let y = 0;
    for (let f = 0; f < features; f++) y += (r[`f${f}`] = Math.sin(i * (f + 1))) * (f + 1);
    r.y = y;
    return r;
  });
  const schema: Record<string, ColumnType> = Object.fromEntries([...Array.from({ length: features }, (_, f) => [`f${f}`, 'number']), ['y', 'number']]);
  const spec: FeatureSpec = {
    task: 'regression',
    target: { column: 'y', steps: [{ kind: 'standardize' }] },
    features: Array.from({ length: features }, (_, f) => ({ column: `f${f}`, steps: [{ kind: 'standardize' as const }] })),
  };
  const fitted = fitTransform(spec, frameFromRows(rows, schema));
  const built = await finish(buildModel({ kind: 'dense', hiddenUnits }, fitted, seed), fitted, signatureOf(fitted, 'regression'), schema);
  return { ...built, rows };
}

/** Row objects as a RowBatch with the given column types. */
export function rowBatch(rows: RowObject[], schema: Record<string, ColumnType>): common.RowBatch {
  const T = common.ColumnType;
  const types: Record<ColumnType, common.ColumnType> = { number: T.COLUMN_TYPE_NUMBER, integer: T.COLUMN_TYPE_INTEGER, boolean: T.COLUMN_TYPE_BOOLEAN, category: T.COLUMN_TYPE_CATEGORY, text: T.COLUMN_TYPE_TEXT, timestamp: T.COLUMN_TYPE_TIMESTAMP };
  const columns = Object.entries(schema)
    .filter(([name]) => rows.some((r) => name in r))
    .map(([name, type]) => {
      const nulls = Buffer.alloc(Math.ceil(rows.length / 8));
      let anyNull = false;
      const vals = rows.map((r, i) => {
        const v = r[name];
        if (v === null || v === undefined) {
          nulls[i >> 3] |= 1 << (i & 7);
          anyNull = true;
        }
        return v;
      });
      const col: common.Column = { name, type: types[type], nulls: anyNull ? nulls : Buffer.alloc(0), numbers: [], integers: [], booleans: [], strings: [], timestamps: [] };
      if (type === 'number') col.numbers = vals.map((v) => Number(v ?? 0));
      else if (type === 'integer') col.integers = vals.map((v) => Number(v ?? 0));
      else if (type === 'boolean') col.booleans = vals.map((v) => Boolean(v));
      else if (type === 'timestamp') col.timestamps = vals.map((v) => (v == null ? 0 : Date.parse(String(v)) * 1000));
      else col.strings = vals.map((v) => (v == null ? '' : String(v)));
      return col;
    });
  return { rowCount: rows.length, columns };
}

/** The registry client of an SDK object (raw generated client). */
function reg(client: CityML): registry.RegistryServiceClient {
  return client.registry.raw;
}

/** Uploads bundle bytes through UploadArtifact and returns the artifact id. */
export function uploadBytes(client: CityML, bytes: Buffer): Promise<string> {
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  return new Promise((resolve, reject) => {
    const call = reg(client).uploadArtifact(new Metadata(), callOptions(client.options), (err, res) => (err ? reject(toClientError(err)) : resolve(res.artifactId)));
    call.write({ header: { mediaType: 'application/vnd.cityml.model-bundle', size: bytes.length, sha256 } });
    for (let i = 0; i < bytes.length; i += 1 << 20) call.write({ chunk: bytes.subarray(i, i + (1 << 20)) });
    call.end();
  });
}

const OUTPUT_KINDS = { regression: registry.OutputKind.OUTPUT_KIND_REGRESSION, classification: registry.OutputKind.OUTPUT_KIND_CLASSIFICATION, forecast: registry.OutputKind.OUTPUT_KIND_FORECAST };

/** Registers bundle bytes as the model's next version (creating the model), optionally moving `alias` to it. */
export async function publish(client: CityML, name: string, m: Pick<TestModel, 'bytes' | 'signature'>, opts: { alias?: string; tags?: Record<string, string> } = {}): Promise<number> {
  const artifactId = await uploadBytes(client, m.bytes);
  const s = m.signature;
  const signature = registry.Signature.fromPartial({
    inputs: s.inputs,
    outputKind: OUTPUT_KINDS[s.outputKind],
    classLabels: s.classLabels ?? [],
    horizon: s.horizon ?? 0,
    inputColumns: s.inputColumns ?? [],
    target: s.target ?? '',
  });
  const req = registry.CreateModelVersionRequest.fromPartial({ modelName: name, createModel: true, artifactId, formatVersion: BUNDLE_FORMAT, signature, tags: opts.tags ?? {}, status: registry.ModelVersionStatus.MODEL_VERSION_STATUS_READY });
  const raw = reg(client);
  const res = await unary(raw.createModelVersion.bind(raw), req, callOptions(client.options));
  const version = res.version!.version;
  if (opts.alias) await setAlias(client, name, opts.alias, version);
  return version;
}

/** Moves an alias. */
export async function setAlias(client: CityML, name: string, alias: string, version: number): Promise<void> {
  const raw = reg(client);
  await unary(raw.setAlias.bind(raw), registry.SetAliasRequest.fromPartial({ modelName: name, alias, version }), callOptions(client.options));
}

/** Bundle bytes the registry accepts (a valid header) but that cannot load: the weights are cut short. */
export function truncated(bytes: Buffer): Buffer {
  return bytes.subarray(0, bytes.length - 4);
}
