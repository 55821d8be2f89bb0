// Benchmark of IngestRows against a plain postgres.js COPY of the same rows.
// Usage: DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres node tools/run-ts.mjs bench/ingestion.ts [rows]
// Prints rows/s of IngestRows (1,000,000 rows: a timestamp, four numbers, one category,
// in RowBatch chunks of 16,384 rows, into a committed version), of a postgres.js COPY of
// the same rows into a scratch table, their ratio (target ≥ 0.5), and rows/s of
// `cityml ingest` of the same rows from a CSV file.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, openSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { common } from '@cityml/proto';
import { startTestPlatform } from '@cityml/platform/testing';
import type { RowBatchInput } from '@cityml/sdk';

const T = common.ColumnType;
const ROWS = Number(process.argv[2] ?? 1_000_000);
const CHUNK = 16_384;
const CATEGORIES = ['north', 'south', 'east', 'west', 'central', 'harbor', 'airport', 'old-town'];
const root = join(__dirname, '..', '..');

interface Data {
  ts: Float64Array;
  nums: Float64Array[];
  cat: string[];
}

function generate(n: number): Data {
  const t0 = Date.UTC(2024, 0, 1) * 1000;
  const ts = new Float64Array(n);
  const nums = [0, 1, 2, 3].map(() => new Float64Array(n));
  const cat = new Array<string>(n);
  let seed = 42;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  for (let i = 0; i < n; i++) {
    ts[i] = t0 + i * 60_000_000;
    nums[0][i] = Math.round(rnd() * 1e6) / 100;
    nums[1][i] = rnd() * 100 - 50;
    nums[2][i] = Math.floor(rnd() * 1000);
    nums[3][i] = Math.round(rnd() * 1e4) / 1e3;
    cat[i] = CATEGORIES[Math.floor(rnd() * CATEGORIES.length)];
  }
  return { ts, nums, cat };
}

function* batches(d: Data): Iterable<RowBatchInput> {
  for (let at = 0; at < ROWS; at += CHUNK) {
    const end = Math.min(ROWS, at + CHUNK);
    yield {
      rowCount: end - at,
      columns: [
        { name: 'at', type: T.COLUMN_TYPE_TIMESTAMP, timestamps: d.ts.subarray(at, end) },
        ...d.nums.map((v, k) => ({ name: `v${k}`, type: T.COLUMN_TYPE_NUMBER, numbers: v.subarray(at, end) })),
        { name: 'zone', type: T.COLUMN_TYPE_CATEGORY, strings: d.cat.slice(at, end) },
      ],
    };
  }
}

const iso = (us: number) => new Date(us / 1000).toISOString();

/** The reference: COPY (text format) of the same rows with postgres.js into a scratch table. */
async function copyReference(url: string, d: Data): Promise<number> {
  const sql = postgres(url, { max: 1, onnotice: () => undefined });
  await sql`create temporary table scratch (at timestamptz, v0 float8, v1 float8, v2 float8, v3 float8, zone text)`;
  const t0 = performance.now();
  await sql.begin(async (tx) => {
    const copy = await tx`copy scratch (at, v0, v1, v2, v3, zone) from stdin`.writable();
    for (let at = 0; at < ROWS; at += CHUNK) {
      const end = Math.min(ROWS, at + CHUNK);
      let text = '';
      for (let i = at; i < end; i++) text += `${iso(d.ts[i])}\t${d.nums[0][i]}\t${d.nums[1][i]}\t${d.nums[2][i]}\t${d.nums[3][i]}\t${d.cat[i]}\n`;
      if (!copy.write(text)) await new Promise((r) => copy.once('drain', r));
    }
    await new Promise<void>((resolve, reject) => {
      copy.once('error', reject);
      copy.end(() => resolve());
    });
  });
  const seconds = (performance.now() - t0) / 1000;
  const [{ n }] = await sql`select count(*)::int as n from scratch`;
  if (n !== ROWS) throw new Error(`reference copied ${n} rows`);
  await sql.end();
  return ROWS / seconds;
}

function writeCsv(file: string, d: Data): void {
  const fd = openSync(file, 'w');
  writeSync(fd, 'at,v0,v1,v2,v3,zone\n');
  for (let at = 0; at < ROWS; at += CHUNK) {
    const end = Math.min(ROWS, at + CHUNK);
    let text = '';
    for (let i = at; i < end; i++) text += `${iso(d.ts[i])},${d.nums[0][i]},${d.nums[1][i]},${d.nums[2][i]},${d.nums[3][i]},${d.cat[i]}\n`;
    writeSync(fd, text);
  }
  closeSync(fd);
}

function run(cmd: string, args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { cwd: root });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (code) => resolve({ status: code ?? -1, stdout, stderr }));
  });
}

async function main(): Promise<void> {
  const url = process.env.CITYML_TEST_DATABASE_URL ?? process.env.DATABASE_URL;
  if (!url) throw new Error('set DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/postgres)');
  const data = generate(ROWS);
  const t = await startTestPlatform({ services: ['ingestion'] });
  try {
    const schema = {
      columns: [
        { name: 'at', type: T.COLUMN_TYPE_TIMESTAMP, nullable: false, description: '' },
        ...[0, 1, 2, 3].map((k) => ({ name: `v${k}`, type: T.COLUMN_TYPE_NUMBER, nullable: true, description: '' })),
        { name: 'zone', type: T.COLUMN_TYPE_CATEGORY, nullable: true, description: '' },
      ],
      timeColumn: 'at',
      timeZone: '',
    };
    await t.client.ingestion.createDataset({ name: 'bench', schema });

    const t0 = performance.now();
    const res = await t.client.ingestion.ingest('bench', batches(data), { batchId: 'bench-1' });
    const ingestRate = ROWS / ((performance.now() - t0) / 1000);
    if (res.version?.rowCount !== ROWS) throw new Error(`ingested ${res.version?.rowCount} rows`);

    const r0 = performance.now();
    let read = 0;
    for await (const r of t.client.ingestion.readRows({ dataset: 'bench', batchSize: 16_384 })) read += r.rows!.rowCount;
    const readRate = read / ((performance.now() - r0) / 1000);
    if (read !== ROWS) throw new Error(`read ${read} rows`);

    const copyRate = await copyReference(t.databaseUrl, data);

    const dir = mkdtempSync(join(tmpdir(), 'cityml-bench-'));
    let cliRate = NaN;
    try {
      if (process.env.BENCH_SKIP_CLI) throw new Error('skipped (BENCH_SKIP_CLI)');
      const csv = join(dir, 'rows.csv');
      writeCsv(csv, data);
      spawnSync(process.execPath, [join(root, 'tools/build.mjs'), 'cli'], { cwd: root, stdio: 'inherit' });
      const c0 = performance.now();
      // Asynchronously: this process hosts the server the CLI talks to.
      const cliNodeArgs = process.env.BENCH_CLI_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
      const r = await run(process.execPath, [...cliNodeArgs, join(root, 'dist/apps/cli/main.js'), 'ingest', 'bench-csv', csv, '--create', '--address', t.address, '--api-key', t.apiKey, '--json']);
      if (r.status !== 0) throw new Error(`cityml ingest failed: ${r.stderr}`);
      cliRate = ROWS / ((performance.now() - c0) / 1000);
      const out = JSON.parse(r.stdout);
      if (out.version?.rowCount !== ROWS) throw new Error(`CLI ingested ${out.version?.rowCount} rows`);
      process.stdout.write(`CSV file: ${(statSync(csv).size / 1e6).toFixed(1)} MB\n`);
    } catch (err) {
      process.stderr.write(`CLI import failed: ${(err as Error).message}\n`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }

    const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
    process.stdout.write(
      [
        `rows: ${fmt(ROWS)} (timestamp, 4 numbers, 1 category; RowBatch chunks of ${CHUNK})`,
        `IngestRows:        ${fmt(ingestRate)} rows/s`,
        `postgres.js COPY:  ${fmt(copyRate)} rows/s`,
        `ratio:             ${(ingestRate / copyRate).toFixed(2)} (target ≥ 0.50)`,
        `CLI CSV import:    ${fmt(cliRate)} rows/s`,
        `ReadRows:          ${fmt(readRate)} rows/s (for information)`,
      ].join('\n') + '\n',
    );
  } finally {
    await t.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
