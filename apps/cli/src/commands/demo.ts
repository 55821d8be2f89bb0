import type { Command } from 'commander';
import { common, training } from '@cityml/proto';
import { expectedTrafficFlow, trafficRows, type TrafficRow } from '@cityml/samples';
import type { CityML, PlainPrediction } from '@cityml/sdk';
import { connect, withConnection, type ConnectionFlags } from '../connection';
import { fail, table, UsageError } from '../output';
import { positiveInt } from './samples';

const HOUR = 3600_000;
const T = common.ColumnType;
/** Hours at the end of the generated window that are held out: the demo forecasts into them. */
const HELD_OUT_HOURS = 12;

interface DemoFlags extends ConnectionFlags {
  sensors: string;
  days: string;
  seed: string;
  epochs: string;
  model: string;
  name: string;
  sensor: string;
}

/** The traffic dataset's declared schema. */
export const TRAFFIC_SCHEMA = common.Schema.fromPartial({
  columns: [
    { name: 'ts', type: T.COLUMN_TYPE_TIMESTAMP },
    { name: 'sensor_id', type: T.COLUMN_TYPE_CATEGORY },
    { name: 'flow', type: T.COLUMN_TYPE_NUMBER, nullable: true, description: 'vehicles per hour' },
    { name: 'speed', type: T.COLUMN_TYPE_NUMBER, nullable: true, description: 'km/h' },
    { name: 'temperature_c', type: T.COLUMN_TYPE_NUMBER },
    { name: 'rain_mm', type: T.COLUMN_TYPE_NUMBER },
  ],
  timeColumn: 'ts',
  timeZone: 'America/New_York',
});

/**
 * The demo's feature spec (the friendly form of `parseFeatureSpec`): date-time parts and
 * calendar flags, the weather, and lags and rolling windows of the flow per sensor, for a
 * forecast 3 hours ahead; split in time 70 / 15 / 15 (the validation and test spans must
 * be longer than the longest lag: see {@link demoLags}).
 */
export function trafficForecastSpec(first: number, last: number, sequence: boolean, lags: number[]): Record<string, unknown> {
  const at = (f: number) => new Date(first + Math.round(((last - first) * f) / HOUR) * HOUR).toISOString();
  return {
    target: 'flow',
    task: 'forecast',
    scale_target: true,
    holiday_calendar: 'us',
    features: [
      { column: 'ts', steps: [{ datetime_parts: { parts: ['hour', 'day_of_week'], cyclical: true } }, { calendar_flags: { weekend: true, holiday: true } }] },
      { column: 'rain_mm', steps: [{ impute: 'mean' }, 'standardize'] },
      { column: 'temperature_c', steps: [{ impute: 'mean' }, 'standardize'] },
    ],
    split: { time: { validation_start: at(0.7), test_start: at(0.85) } },
    forecast: {
      frequency: '1h',
      fill: 'forward',
      horizon: 3,
      group: 'sensor_id',
      seasonality: 24,
      // The sequence layout feeds the last 24 steps to the network instead of lags and windows.
      ...(sequence
        ? { layout: 'sequence', sequence_length: 24 }
        : {
            lags,
            windows: [
              { size: 3, function: 'mean' },
              { size: 24, function: 'mean' },
            ],
          }),
    },
  };
}

/** Flow lags in hours: a one-week lag when the data is long enough for it (60 days and more). */
export function demoLags(days: number): number[] {
  return days >= 60 ? [1, 2, 3, 24, 168] : [1, 2, 3, 24];
}

/** One printed step: `[n/7] title … result (seconds)`. */
async function step<T>(n: number, title: string, json: boolean | undefined, work: () => Promise<T>, result: (v: T) => string): Promise<{ value: T; seconds: number }> {
  const t0 = Date.now();
  if (!json) process.stdout.write(`[${n}/7] ${title}\n`);
  const value = await work();
  const seconds = (Date.now() - t0) / 1000;
  if (!json) process.stdout.write(`      ${result(value).split('\n').join('\n      ')}  (${seconds.toFixed(1)} s)\n`);
  return { value, seconds };
}

const fmt = (x: number | undefined, d = 1) => (x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(d));
const localTime = (t: number) => new Date(t).toLocaleString('en-US', { timeZone: 'America/New_York', weekday: 'short', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hour12: false });

/** The forecast against the generator's ground truth (expected flow with the actual rain). */
export function compareWithTruth(pred: PlainPrediction, sensorIndex: number, lastTs: number, heldOut: TrafficRow[]) {
  const values = pred.forecasts[0]?.values ?? [];
  return values.map((predicted, k) => {
    const t = lastTs + (k + 1) * HOUR;
    const row = heldOut.find((r) => Date.parse(r.ts) === t);
    const expected = expectedTrafficFlow(sensorIndex, t, row?.rain_mm ?? 0);
    return { ts: new Date(t).toISOString(), local: localTime(t), predicted, expected, observed: row?.flow ?? null, error: Math.abs(predicted - expected) / expected };
  });
}

/** Runs the whole path; returns the JSON summary. */
async function runDemo(client: CityML, f: DemoFlags): Promise<Record<string, unknown>> {
  const sensors = positiveInt('sensors', f.sensors) as number;
  const days = positiveInt('days', f.days) as number;
  const seed = positiveInt('seed', f.seed) as number;
  const epochs = positiveInt('epochs', f.epochs) as number;
  if (!['dense', 'lstm', 'gru'].includes(f.model)) throw new UsageError(`--model must be dense, lstm or gru, got "${f.model}"`);
  if (days < 10) throw new UsageError('--days must be at least 10 (the validation and test splits need whole days)');
  const sensorIndex = Number(f.sensor.replace(/^S/i, '')) - 1;
  if (!Number.isInteger(sensorIndex) || sensorIndex < 0 || sensorIndex >= sensors) throw new UsageError(`--sensor must be one of S01…S${String(sensors).padStart(2, '0')}`);
  const sensorId = `S${String(sensorIndex + 1).padStart(2, '0')}`;
  const dataset = `demo-traffic-${sensors}x${days}-s${seed}`;
  const json = f.json;
  const timings: Record<string, number> = {};
  const t0 = Date.now();

  await client.health().catch((err: Error) => {
    throw new Error(`no CityML server answers at ${client.options.address} (${err.message.split('.')[0]}); start one with \`npm start\` (cityml up) or pass --address`);
  });
  const all = [...trafficRows({ sensors, days, seed })];
  const end = Date.parse(all[all.length - 1].ts) - (HELD_OUT_HOURS - 1) * HOUR;
  const rows = all.filter((r) => Date.parse(r.ts) < end);
  const heldOut = all.filter((r) => Date.parse(r.ts) >= end && r.sensor_id === sensorId);
  const first = Date.parse(rows[0].ts);
  const lastTs = end - HOUR;

  const ingest = await step(1, `ingest ${rows.length} hourly readings of ${sensors} sensors over ${days} days into dataset "${dataset}"`, json, () =>
    client.ingestRows(dataset, rows, { create: { schema: TRAFFIC_SCHEMA, description: 'cityml demo: synthetic traffic counts' }, batchId: dataset }),
    (r) => `version ${r.version?.version} with ${r.version?.rowCount} rows${r.duplicate ? ' (already ingested: the same batch id returns the same version)' : ''}`,
  );
  timings.ingest = ingest.seconds;

  const lags = demoLags(days);
  const spec = trafficForecastSpec(first, lastTs, f.model !== 'dense', lags);
  const what = f.model === 'dense' ? `flow lags ${lags.join('/')} h and 3/24 h rolling means` : 'sequences of the last 24 hours';
  const features = await step(2, `features: hour and weekday (cyclical), weekend and holiday flags, weather, ${what} per sensor; horizon 3 h`, json, async () => {
    const created = await client.preprocessing.createFeatureSet({ dataset, version: ingest.value.version?.version ?? 0, spec });
    return client.waitForFeatureSet(created.featureSet!.id);
  }, (fs) => `feature set ${fs.id}: ${fs.featureNames.length} features; train ${fs.train?.rows} / validation ${fs.validation?.rows} / test ${fs.test?.rows} examples`);
  timings.features = features.seconds;

  const K = training.ModelKind;
  const kind = { dense: K.MODEL_KIND_DENSE, lstm: K.MODEL_KIND_LSTM, gru: K.MODEL_KIND_GRU }[f.model as 'dense'];
  let lastLine = 0;
  const train = await step(3, `train a ${f.model} forecaster (${epochs} epochs at most, early stopping)`, json, () =>
    client.trainAndWait(
      {
        featureSetId: features.value.id,
        modelName: f.name,
        model: { kind, hiddenUnits: f.model === 'dense' ? [64, 32] : [32], activation: 'relu' },
        hyperparameters: { epochs, batchSize: 256, learningRate: 0.003, earlyStoppingPatience: Math.min(4, epochs), seed },
      },
      {
        onEpoch: (e, job) => {
          if (json || (Date.now() - lastLine < 500 && e.epoch < (job.totalEpochs || epochs))) return;
          lastLine = Date.now();
          process.stdout.write(`      epoch ${e.epoch}/${job.totalEpochs || epochs}  loss ${fmt(e.loss, 4)}  val_loss ${fmt(e.valLoss, 4)}  (${fmt(e.seconds)} s)\n`);
        },
      },
    ),
    (job) => {
      const ev = job.evaluation;
      const rowsOf = [{ model: f.model, ...pick(ev?.metrics) }, ...(ev?.baselines ?? []).map((b) => ({ model: `baseline: ${b.name}`, ...pick(b.metrics) }))];
      return `job ${job.id} done on ${job.backend} after ${job.history.length} epochs; test metrics (vehicles/hour):\n${table(rowsOf, ['model', ...['mae', 'rmse', 'mape'].filter((k) => ev?.metrics[k] !== undefined)])}`;
    },
  );
  timings.train = train.seconds;
  const version = train.value.modelVersion;

  const registered = await step(4, `register: the job registered "${f.name}" version ${version}`, json, () => client.registry.getModelVersion(f.name, version), (v) =>
    `${f.name}@${v.version}: ${v.source}, status ${v.status === 2 ? 'READY' : v.status}, bundle ${v.artifactSize} bytes (sha256 ${v.artifactSha256.slice(0, 12)}…), lineage ${v.lineage?.dataset}@${v.lineage?.datasetVersion}`,
  );
  timings.register = registered.seconds;

  const promoted = await step(5, `promote ${f.name}@${version} to production`, json, () => client.registry.setAlias(f.name, 'production', version), (r) =>
    `production: ${r.previousVersion ? `version ${r.previousVersion} → ` : ''}version ${r.version}`,
  );
  timings.promote = promoted.seconds;

  const recent = rows.filter((r) => r.sensor_id === sensorId && Date.parse(r.ts) > lastTs - 8 * 24 * HOUR);
  const predicted = await step(6, `predict the next 3 hours of sensor ${sensorId} from its last ${recent.length} readings (${f.name}@production)`, json, () => predictPromoted(client, f.name, version, recent), (p) =>
    `version ${p.modelVersion}: ${p.forecasts.map((s) => `${s.group} → ${s.values.map((v) => v.toFixed(0)).join(', ')}`).join('; ')}`,
  );
  timings.predict = predicted.seconds;

  const comparison = compareWithTruth(predicted.value, sensorIndex, lastTs, heldOut);
  const meanError = comparison.reduce((s, c) => s + c.error, 0) / Math.max(1, comparison.length);
  await step(7, 'compare with the generator\'s ground truth (expected flow without noise)', json, async () => comparison, (c) =>
    `${table(c.map((x) => ({ hour: x.local, predicted: x.predicted.toFixed(0), truth: x.expected.toFixed(0), observed: x.observed ?? '', error: `${(x.error * 100).toFixed(1)}%` })))}\nmean absolute error ${(meanError * 100).toFixed(1)}% of the true flow`,
  );
  const total = (Date.now() - t0) / 1000;
  if (!json) process.stdout.write(`\ndone in ${total.toFixed(1)} s. Try: npx cityml models report ${f.name}@production --out report.html\n`);
  return {
    dataset,
    datasetVersion: ingest.value.version?.version,
    rows: rows.length,
    featureSet: features.value.id,
    job: train.value.id,
    model: f.name,
    version,
    evaluation: train.value.evaluation,
    sensor: sensorId,
    prediction: comparison,
    meanAbsoluteError: meanError,
    timings: { ...timings, total },
  };
}

/**
 * Predicts with `name@production`, retrying for a few seconds until the inference service
 * has seen the alias move to `version` (it follows the registry's events, so a hot swap
 * takes a moment).
 */
async function predictPromoted(client: CityML, name: string, version: number, rows: TrafficRow[]): Promise<PlainPrediction> {
  const until = Date.now() + 10_000;
  for (;;) {
    const p = await client.predict(`${name}@production`, rows);
    if (p.modelVersion === version || Date.now() > until) return p;
    await new Promise((r) => setTimeout(r, 100));
  }
}

function pick(m: Record<string, number> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of ['mae', 'rmse', 'mape']) if (m?.[k] !== undefined) out[k] = fmt(m[k], k === 'mape' ? 3 : 1);
  return out;
}

/** `cityml demo`: the whole path on generated traffic data, step by step. */
export function registerDemo(program: Command): void {
  withConnection(
    program
      .command('demo')
      .description('run the whole path on generated traffic data: ingest, features, train a forecaster, register, promote, predict (needs a running `cityml up`)'),
  )
    .option('--sensors <n>', 'traffic sensors', '20')
    .option('--days <n>', 'days of hourly readings (at least 10)', '90')
    .option('--seed <n>', 'random seed of the generator and the training', '42')
    .option('--epochs <n>', 'training epochs at most', '12')
    .option('--model <kind>', 'dense (seconds), or the sequence models lstm or gru (minutes at full size)', 'dense')
    .option('--name <model>', 'registered model name', 'traffic-forecast')
    .option('--sensor <id>', 'the sensor to forecast', 'S01')
    .addHelpText('after', '\nStart the platform first (npm start), then: npx cityml demo\n')
    .action(async (flags: DemoFlags) => {
      const client = connect(flags);
      try {
        const summary = await runDemo(client, flags);
        if (flags.json) process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
      } catch (err) {
        fail(err);
      } finally {
        client.close();
      }
    });
}
