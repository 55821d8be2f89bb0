// Benchmark of feature set materialization against a raw ReadRows of the same version.
// Usage: DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres node tools/run-ts.mjs bench/preprocessing.ts [rows]
// Ingests 1,000,000 rows × 6 columns (a timestamp, four numbers, one category), reads the
// version raw through ReadRows (every column, decoded), then materializes a feature set of
// it (CreateFeatureSet → READY: read through ReadRows, random split, fit on train, apply to
// the three splits, store float32 tensors and the transform in the artifact store).
// Prints rows/s of both and their ratio (target ≥ 0.5). The reference read runs before and
// after the materialization and is averaged, since the machine may be shared.
import { common } from '@cityml/proto';
import { startTestPlatform } from '@cityml/platform/testing';
import type { RowBatchInput } from '@cityml/sdk';

const T = common.ColumnType;
const ROWS = Number(process.argv[2] ?? 1_000_000);
const CHUNK = 16_384;
const ZONES = ['north', 'south', 'east', 'west', 'central', 'harbor', 'airport', 'old-town'];

function* batches(): Iterable<RowBatchInput> {
  const t0 = Date.UTC(2024, 0, 1) * 1000;
  let seed = 42;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let at = 0; at < ROWS; at += CHUNK) {
    const n = Math.min(ROWS, at + CHUNK) - at;
    const ts = new Float64Array(n);
    const v = [0, 1, 2, 3].map(() => new Float64Array(n));
    const zone = new Array<string>(n);
    const nulls = new Uint8Array(Math.ceil(n / 8));
    for (let i = 0; i < n; i++) {
      ts[i] = t0 + (at + i) * 60_000_000;
      v[1][i] = rnd() * 100 - 50;
      v[2][i] = Math.floor(rnd() * 1000);
      v[3][i] = rnd() * 1e4;
      v[0][i] = 3 * v[1][i] + v[2][i] / 10 + rnd();
      zone[i] = ZONES[Math.floor(rnd() * ZONES.length)];
      if (rnd() < 0.02) nulls[i >> 3] |= 1 << (i & 7);
    }
    yield {
      rowCount: n,
      columns: [
        { name: 'at', type: T.COLUMN_TYPE_TIMESTAMP, timestamps: ts },
        { name: 'flow', type: T.COLUMN_TYPE_NUMBER, numbers: v[0] },
        { name: 'speed', type: T.COLUMN_TYPE_NUMBER, numbers: v[1], nulls },
        { name: 'count', type: T.COLUMN_TYPE_NUMBER, numbers: v[2] },
        { name: 'load', type: T.COLUMN_TYPE_NUMBER, numbers: v[3] },
        { name: 'zone', type: T.COLUMN_TYPE_CATEGORY, strings: zone },
      ],
    };
  }
}

const spec = {
  target: 'flow',
  task: 'regression',
  scale_target: true,
  features: [
    { column: 'speed', steps: [{ impute: 'mean' }, 'standardize'] },
    { column: 'count', steps: ['min_max'] },
    { column: 'load', steps: ['log1p', 'standardize'] },
    { column: 'zone', steps: [{ one_hot: { max_categories: 8 } }] },
    { column: 'at', steps: [{ datetime_parts: { parts: ['hour', 'day_of_week'] } }, 'weekend'] },
  ],
  split: { random: { validation: 0.1, test: 0.1, seed: 1 } },
};

async function main(): Promise<void> {
  if (!process.env.CITYML_TEST_DATABASE_URL && !process.env.DATABASE_URL) throw new Error('set DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/postgres)');
  const t = await startTestPlatform({ services: ['ingestion', 'preprocessing'] });
  try {
    const schema = {
      columns: [
        { name: 'at', type: T.COLUMN_TYPE_TIMESTAMP, nullable: false, description: '' },
        ...['flow', 'speed', 'count', 'load'].map((name) => ({ name, type: T.COLUMN_TYPE_NUMBER, nullable: true, description: '' })),
        { name: 'zone', type: T.COLUMN_TYPE_CATEGORY, nullable: true, description: '' },
      ],
      timeColumn: 'at',
      timeZone: 'America/New_York',
    };
    await t.client.ingestion.createDataset({ name: 'bench', schema });
    let t0 = performance.now();
    await t.client.ingestion.ingest('bench', batches());
    console.log(`ingested ${ROWS} rows in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    // reference: the raw read of the same version through ReadRows (warm-up read first)
    const readAll = async () => {
      let rows = 0;
      for await (const r of t.client.ingestion.readRows({ dataset: 'bench', version: 1 })) rows += r.rows?.rowCount ?? 0;
      if (rows !== ROWS) throw new Error(`read ${rows} rows`);
    };
    const timedRead = async () => {
      const s0 = performance.now();
      await readAll();
      return (performance.now() - s0) / 1000;
    };
    await readAll(); // warm-up
    const readBefore = await timedRead();

    t0 = performance.now();
    const created = await t.client.preprocessing.createFeatureSet({ dataset: 'bench', version: 1, spec });
    const createMs = performance.now() - t0;
    let lagMax = 0;
    let last = performance.now();
    const probe = setInterval(() => {
      const now = performance.now();
      lagMax = Math.max(lagMax, now - last - 50);
      last = now;
    }, 50);
    const fs = await t.client.preprocessing.waitForFeatureSet(created.featureSet?.id as string);
    const matSeconds = (performance.now() - t0) / 1000;
    clearInterval(probe);
    const matRate = ROWS / matSeconds;
    // the machine is shared: the reference is read before and after, and averaged
    const readAfter = await timedRead();
    const readSeconds = (readBefore + readAfter) / 2;
    const readRate = ROWS / readSeconds;
    console.log(`feature set ${fs.id}: train ${fs.train?.xShape.join('×')}, validation ${fs.validation?.xShape.join('×')}, test ${fs.test?.xShape.join('×')} (${fs.featureNames.length} features)`);
    console.log(`CreateFeatureSet answered in ${createMs.toFixed(0)} ms; longest event-loop stall seen by this process: ${lagMax.toFixed(0)} ms`);
    console.log(`raw ReadRows:         ${Math.round(readRate).toLocaleString('en-US')} rows/s (${readSeconds.toFixed(2)} s: mean of ${readBefore.toFixed(2)} s before and ${readAfter.toFixed(2)} s after)`);
    console.log(`fit and materialize:  ${Math.round(matRate).toLocaleString('en-US')} rows/s (${matSeconds.toFixed(2)} s)`);
    console.log(`ratio: ${(matRate / readRate).toFixed(2)} (target ≥ 0.5)`);
  } finally {
    await t.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
