import { common, preprocessing } from '@cityml/proto';
import { mulberry32 } from '@cityml/ml';
import { rowBatchFromRecords, type CityML, type SubmitJobInput, type TrainingJob } from '@cityml/sdk';

/** Test helpers: synthetic datasets ingested and materialized through the real services. */

const T = common.ColumnType;

/** Ingests records into a new dataset (columns typed as given) and returns its name. */
export async function ingestDataset(client: CityML, name: string, columns: Record<string, common.ColumnType>, records: Record<string, unknown>[], timeColumn = ''): Promise<string> {
  const schema: common.Schema = {
    columns: Object.entries(columns).map(([n, type]) => ({ name: n, type, nullable: false, description: '' })),
    timeColumn,
    timeZone: timeColumn ? 'UTC' : '',
  };
  await client.ingestion.createDataset({ name, schema });
  await client.ingestion.ingest(name, (function* () {
    for (let i = 0; i < records.length; i += 5000) yield rowBatchFromRecords(schema, records.slice(i, i + 5000));
  })());
  return name;
}

/** Creates a feature set of the dataset's latest version and waits until it is READY. */
export async function materialize(client: CityML, dataset: string, spec: Partial<preprocessing.FeatureSpec>): Promise<preprocessing.FeatureSet> {
  const res = await client.preprocessing.createFeatureSet({ dataset, spec: preprocessing.FeatureSpec.fromPartial(spec) });
  return client.preprocessing.waitForFeatureSet(res.featureSet!.id);
}

const standardize = (column: string) => ({ column, steps: [{ standardize: {} }] });
const randomSplit = { random: { validationFraction: 0.15, testFraction: 0.2, seed: 7 } };

/** y = 3·x1 − 2·x2 + noise over `n` rows: a regression feature set. */
export async function linearFeatureSet(client: CityML, name: string, n = 1500, noise = 0.1): Promise<preprocessing.FeatureSet> {
  const rng = mulberry32(42);
  const records = Array.from({ length: n }, () => {
    const x1 = rng() * 4 - 2;
    const x2 = rng() * 4 - 2;
    return { x1, x2, y: 3 * x1 - 2 * x2 + (rng() - 0.5) * 2 * noise };
  });
  await ingestDataset(client, name, { x1: T.COLUMN_TYPE_NUMBER, x2: T.COLUMN_TYPE_NUMBER, y: T.COLUMN_TYPE_NUMBER }, records);
  return materialize(client, name, { target: 'y', task: preprocessing.Task.TASK_REGRESSION, features: [standardize('x1'), standardize('x2')], split: randomSplit });
}

/** Three separable blobs in 2-D: a multiclass feature set. */
export async function blobsFeatureSet(client: CityML, name: string, n = 900): Promise<preprocessing.FeatureSet> {
  const rng = mulberry32(3);
  const centers: Record<string, [number, number]> = { east: [3, 0], north: [0, 3], west: [-3, -1] };
  const labels = Object.keys(centers);
  const records = Array.from({ length: n }, (_, i) => {
    const label = labels[i % 3];
    const [cx, cy] = centers[label];
    return { a: cx + (rng() - 0.5) * 2, b: cy + (rng() - 0.5) * 2, label };
  });
  await ingestDataset(client, name, { a: T.COLUMN_TYPE_NUMBER, b: T.COLUMN_TYPE_NUMBER, label: T.COLUMN_TYPE_CATEGORY }, records);
  return materialize(client, name, { target: 'label', task: preprocessing.Task.TASK_CLASSIFICATION, features: [standardize('a'), standardize('b')], split: randomSplit });
}

/** Submits a job and waits until it ends (any final state). */
export async function trainToEnd(client: CityML, req: SubmitJobInput): Promise<TrainingJob> {
  const job = await client.training.submitJob(req);
  return waitEnded(client, job.id);
}

/** Waits until a job is DONE, FAILED or CANCELLED and returns it. */
export async function waitEnded(client: CityML, id: string, timeoutMs = 60_000): Promise<TrainingJob> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const job = await client.training.getJob(id);
    if (job.state >= 3) return job;
    if (Date.now() > end) throw new Error(`job ${id} did not end: ${JSON.stringify({ state: job.state, epoch: job.epoch, error: job.error })}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** An hourly series with a daily cycle (period 24) and a little noise, over `days` days. */
export async function seasonalFeatureSet(client: CityML, name: string, layout: 'flat' | 'sequence' = 'flat', days = 40): Promise<preprocessing.FeatureSet> {
  const rng = mulberry32(11);
  const start = Date.UTC(2026, 0, 1);
  const n = days * 24;
  const records = Array.from({ length: n }, (_, h) => ({ t: new Date(start + h * 3600_000), y: 10 + 5 * Math.sin((2 * Math.PI * h) / 24) + (rng() - 0.5) * 0.4 }));
  await ingestDataset(client, name, { t: T.COLUMN_TYPE_TIMESTAMP, y: T.COLUMN_TYPE_NUMBER }, records, 't');
  const day = (d: number) => new Date(start + d * 86_400_000);
  return materialize(client, name, {
    target: 'y',
    task: preprocessing.Task.TASK_FORECAST,
    features: [],
    scaleTarget: true,
    split: { time: { validationStart: day(days - 10), testStart: day(days - 5), column: 't' } },
    forecast: {
      frequencySeconds: 3600,
      fill: preprocessing.FillMethod.FILL_METHOD_LINEAR,
      lags: layout === 'flat' ? [1, 2, 3, 24] : [],
      windows: [],
      horizon: 1,
      groupColumn: '',
      layout: layout === 'flat' ? preprocessing.Layout.LAYOUT_FLAT : preprocessing.Layout.LAYOUT_SEQUENCE,
      sequenceLength: layout === 'flat' ? 0 : 24,
      timeColumn: 't',
      seasonality: 24,
    },
  });
}

/** Short 311-style requests about roads, parks or noise: a text classification feature set. */
export async function textFeatureSet(client: CityML, name: string, n = 600): Promise<preprocessing.FeatureSet> {
  const rng = mulberry32(5);
  const words: Record<string, string[]> = {
    roads: ['pothole', 'street', 'asphalt', 'crack', 'lane', 'traffic'],
    parks: ['tree', 'bench', 'playground', 'grass', 'park', 'fountain'],
    noise: ['loud', 'music', 'party', 'barking', 'night', 'construction'],
  };
  const filler = ['the', 'a', 'on', 'near', 'please', 'fix', 'report', 'again', 'today', 'city'];
  const pick = (a: string[]) => a[Math.floor(rng() * a.length)];
  const labels = Object.keys(words);
  const records = Array.from({ length: n }, (_, i) => {
    const label = i % 5 === 0 ? 'roads' : labels[i % 3]; // roads is the majority class
    const text = [pick(filler), pick(words[label]), pick(filler), pick(words[label]), pick(filler)].join(' ');
    return { text, label };
  });
  await ingestDataset(client, name, { text: T.COLUMN_TYPE_TEXT, label: T.COLUMN_TYPE_CATEGORY }, records);
  return materialize(client, name, {
    target: 'label',
    task: preprocessing.Task.TASK_TEXT_CLASSIFICATION,
    features: [{ column: 'text', steps: [{ text: { vocabularySize: 40, weighting: preprocessing.TextWeighting.TEXT_WEIGHTING_TF_IDF, bigrams: false, lowercase: true } }] }],
    split: randomSplit,
  });
}
