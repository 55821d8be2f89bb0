import { createReadStream, openSync, readSync, closeSync, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { extname } from 'node:path';
import { status } from '@grpc/grpc-js';
import { parse } from 'csv-parse';
import { Option, type Command } from 'commander';
import { SingleBar, Presets } from 'cli-progress';
import { common, ingestion } from '@cityml/proto';
import { CityMLClientError, nullBitmap, type CityML, type IngestRowsMessage } from '@cityml/sdk';
import { connect, withConnection, type ConnectionFlags } from '../connection';
import { fail, print, table, UsageError } from '../output';

type Format = 'csv' | 'jsonl' | 'parquet';
const SAMPLE_LINES = 1000;
const SAMPLE_BYTES = 1 << 20;

interface IngestFlags extends ConnectionFlags {
  create?: boolean;
  skipInvalid?: boolean;
  batchId?: string;
  timeZone?: string;
  format?: Format;
  chunkRows: string;
  maxErrors: string;
  progress?: boolean;
}

/** One record read from a file: values as text (null = empty or missing) and its first line. */
interface SourceRecord {
  values: (string | null)[];
  line: number;
  /** Bytes of the file read so far (for the progress bar). */
  bytes: number;
}

function formatOf(file: string, flag?: Format): Format {
  if (flag) return flag;
  const ext = extname(file).toLowerCase();
  if (ext === '.csv' || ext === '.tsv') return 'csv';
  if (ext === '.jsonl' || ext === '.ndjson' || ext === '.json') return 'jsonl';
  if (ext === '.parquet' || ext === '.pq') return 'parquet';
  throw new UsageError(`cannot tell the format of ${file}: pass --format csv|jsonl|parquet`);
}

const text = (v: unknown): string | null =>
  v === null || v === undefined ? null : v instanceof Date ? v.toISOString() : typeof v === 'object' ? JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? String(x) : x)) : String(v);

/** The first lines of a text file (whole lines only). */
function sampleOf(file: string): string {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(SAMPLE_BYTES);
    const n = readSync(fd, buf, 0, SAMPLE_BYTES, 0);
    let s = buf.toString('utf8', 0, n);
    if (n === SAMPLE_BYTES) s = s.slice(0, s.lastIndexOf('\n') + 1);
    const lines = s.split('\n');
    return lines.length > SAMPLE_LINES ? lines.slice(0, SAMPLE_LINES).join('\n') + '\n' : s;
  } finally {
    closeSync(fd);
  }
}

/**
 * CSV records (RFC 4180: quoted commas, quotes and newlines) with the line each starts
 * on. Empty fields are null. Lines are counted from the newlines inside the fields (the
 * parser's per-field `info` is too slow for millions of rows).
 */
async function* csvRecords(file: string, names: (header: string[]) => void, read: { bytes: number }): AsyncIterable<SourceRecord> {
  const input = createReadStream(file, { highWaterMark: 1 << 20 });
  input.on('data', (chunk) => (read.bytes += chunk.length));
  const parser = input.pipe(parse({ bom: true, relax_column_count: true, skip_empty_lines: false }));
  let line = 1;
  let header = true;
  for await (const record of parser as AsyncIterable<string[]>) {
    const start = line;
    let inner = 0;
    for (const v of record) if (v.length && v.indexOf('\n') !== -1) inner += v.split('\n').length - 1;
    line += 1 + inner;
    if (record.length === 1 && record[0] === '') continue; // an empty line
    if (header) {
      names(record);
      header = false;
      continue;
    }
    const values: (string | null)[] = record;
    for (let i = 0; i < values.length; i++) if (values[i] === '') values[i] = null;
    yield { values, line: start, bytes: read.bytes };
  }
}

/** JSON-lines records, keyed by the dataset's column names. */
async function* jsonlRecords(file: string, columns: string[]): AsyncIterable<SourceRecord> {
  const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  let line = 0;
  let bytes = 0;
  for await (const l of lines) {
    line++;
    bytes += l.length + 1;
    if (!l.trim()) continue;
    let o: Record<string, unknown>;
    try {
      o = JSON.parse(l);
    } catch (err) {
      throw new UsageError(`line ${line} is not JSON: ${(err as Error).message}`);
    }
    yield { values: columns.map((c) => text(o[c])), line, bytes };
  }
}

/** ISO 8601 with microseconds (Date keeps only milliseconds). */
function isoMicros(us: bigint): string {
  const ms = us / 1000n - (us % 1000n < 0n ? 1n : 0n);
  const rest = Number(us - ms * 1000n);
  return new Date(Number(ms)).toISOString().replace('Z', String(rest).padStart(3, '0') + 'Z');
}

/** Parquet timestamps as ISO strings with µs (hyparquet's defaults make Dates, losing them). */
const PARQUET_PARSERS = {
  timestampFromMicroseconds: (us: bigint) => isoMicros(BigInt(us)),
  timestampFromNanoseconds: (ns: bigint) => isoMicros(BigInt(ns) / 1000n),
};

/** Parquet rows, one row group at a time (hyparquet); `line` is the 1-based row number. */
async function* parquetRecords(file: string, columns: string[] | undefined, onNames?: (n: string[]) => void): AsyncIterable<SourceRecord> {
  const hp = await import('hyparquet');
  const buffer = await hp.asyncBufferFromFile(file);
  const meta = await hp.parquetMetadataAsync(buffer);
  const names = meta.schema.slice(1).map((s: { name: string }) => s.name);
  onNames?.(names);
  const wanted = columns ?? names;
  let start = 0;
  let row = 0;
  const size = statSync(file).size;
  for (const group of meta.row_groups) {
    const end = start + Number(group.num_rows);
    const rows = (await hp.parquetReadObjects({ file: buffer, rowStart: start, rowEnd: end, parsers: PARQUET_PARSERS })) as Record<string, unknown>[];
    for (const o of rows) yield { values: wanted.map((c) => text(o[c])), line: ++row, bytes: Math.round((size * row) / Number(meta.num_rows)) };
    start = end;
  }
}

/** The schema to create for --create: inferred by the server from the file's first lines. */
async function inferFor(client: CityML, file: string, format: Format, timeZone?: string): Promise<common.Schema> {
  let sample: string;
  let fileFormat = ingestion.FileFormat.FILE_FORMAT_JSONL;
  if (format === 'parquet') {
    let names: string[] = [];
    const lines: string[] = [];
    for await (const r of parquetRecords(file, undefined, (n) => (names = n))) {
      lines.push(JSON.stringify(Object.fromEntries(names.map((n, i) => [n, r.values[i]]))));
      if (lines.length >= SAMPLE_LINES) break;
    }
    sample = lines.join('\n');
  } else {
    sample = sampleOf(file);
    if (format === 'csv') fileFormat = ingestion.FileFormat.FILE_FORMAT_CSV;
  }
  const res = await client.ingestion.inferSchema({ format: fileFormat, sample, timeZone: timeZone ?? '' });
  return res.schema!;
}

/** Groups records into IngestRows messages of string columns (the server parses them into the schema's types). */
async function* messages(records: AsyncIterable<SourceRecord>, columns: () => string[], head: IngestRowsMessage, chunk: number, onProgress: (rows: number, bytes: number) => void): AsyncIterable<IngestRowsMessage> {
  let first = true;
  let buffer: SourceRecord[] = [];
  let rows = 0;
  const flush = (): IngestRowsMessage => {
    const names = columns();
    const batch = {
      rowCount: buffer.length,
      columns: names.map((name, j) => ({
        name,
        type: common.ColumnType.COLUMN_TYPE_TEXT,
        strings: buffer.map((r) => r.values[j] ?? ''),
        nulls: nullBitmap(buffer.map((r) => r.values[j] === null || r.values[j] === undefined)),
      })),
    };
    const msg = { ...(first ? head : {}), rows: batch, sourceLines: buffer.map((r) => r.line) };
    rows += buffer.length;
    onProgress(rows, buffer[buffer.length - 1].bytes);
    first = false;
    buffer = [];
    return msg;
  };
  for await (const r of records) {
    buffer.push(r);
    if (buffer.length >= chunk) yield flush();
  }
  if (buffer.length) yield flush();
  if (first) yield head;
}

async function ingestFile(name: string, file: string, flags: IngestFlags): Promise<void> {
  const format = formatOf(file, flags.format);
  const size = statSync(file).size;
  const chunk = Number(flags.chunkRows);
  if (!Number.isInteger(chunk) || chunk < 1) throw new UsageError('--chunk-rows must be a positive integer');
  const client = connect(flags);
  try {
    let dataset: ingestion.Dataset;
    try {
      dataset = await client.ingestion.getDataset(name);
    } catch (err) {
      if (!(err instanceof CityMLClientError && err.code === status.NOT_FOUND) || !flags.create) throw err;
      dataset = await client.ingestion.createDataset({ name, schema: await inferFor(client, file, format, flags.timeZone) });
      if (!flags.json) process.stderr.write(`created dataset ${name} (${dataset.schema!.columns.map((c) => `${c.name}:${common.columnTypeToJSON(c.type).replace('COLUMN_TYPE_', '').toLowerCase()}`).join(', ')})\n`);
    }
    const schemaNames = dataset.schema!.columns.map((c) => c.name);
    let fileNames = schemaNames;
    const check = (names: string[]) => {
      const unknown = names.filter((n) => !schemaNames.includes(n));
      if (unknown.length) throw new UsageError(`${file}: column(s) ${unknown.join(', ')} are not in dataset ${name}'s schema`);
      fileNames = names;
    };
    const records = format === 'csv' ? csvRecords(file, check, { bytes: 0 }) : format === 'jsonl' ? jsonlRecords(file, schemaNames) : parquetRecords(file, schemaNames);
    const bar = flags.progress !== false && !flags.json && process.stderr.isTTY ? new SingleBar({ format: ' {bar} {percentage}% | {rows} rows | {rate} rows/s | ETA {eta_formatted}', etaBuffer: 20 }, Presets.shades_classic) : undefined;
    const t0 = performance.now();
    bar?.start(size, 0, { rows: 0, rate: 0 });
    const head: IngestRowsMessage = {
      dataset: name,
      batchId: flags.batchId,
      policy: flags.skipInvalid ? ingestion.BadRowPolicy.BAD_ROW_POLICY_SKIP_INVALID : ingestion.BadRowPolicy.BAD_ROW_POLICY_REJECT,
      maxReportedErrors: Number(flags.maxErrors),
    };
    let rows = 0;
    const progress = (n: number, bytes: number) => {
      rows = n;
      bar?.update(bytes, { rows: n, rate: Math.round(n / ((performance.now() - t0) / 1000)) });
    };
    try {
      const res = await client.ingestion.ingestRows(messages(records, () => fileNames, head, chunk, progress));
      bar?.update(size);
      bar?.stop();
      const seconds = (performance.now() - t0) / 1000;
      print({ ...res, seconds, rowsPerSecond: Math.round(rows / seconds) }, flags, (r) => {
        const v = r.version!;
        const lines = [`${r.duplicate ? 'already committed' : 'committed'}: ${name} version ${v.version} (${v.batchRows} rows added, ${v.rowCount} in total, batch ${v.batchId})`];
        if (r.rowsRejected) lines.push(`${r.rowsRejected} rows quarantined (see \`cityml datasets quarantine ${name}\`)`, table(r.errors.slice(0, 20).map((e) => ({ row: e.row, line: e.line, column: e.column, reason: e.reason }))));
        if (!r.duplicate) lines.push(`${Math.round(r.rowsPerSecond).toLocaleString('en-US')} rows/s`);
        return lines.join('\n');
      });
    } finally {
      bar?.stop();
    }
  } finally {
    client.close();
  }
}

const typeName = (t: common.ColumnType) => common.columnTypeToJSON(t).replace('COLUMN_TYPE_', '').toLowerCase();
const round = (x: number) => (Math.abs(x) >= 1e6 || Number.isInteger(x) ? String(x) : x.toPrecision(6));

function statsTable(s: ingestion.GetStatisticsResponse): string {
  const rows = s.columns.map((c) => {
    const q = c.numeric?.quantiles ?? [];
    return {
      column: c.name,
      type: typeName(c.type),
      count: c.count,
      nulls: c.nullCount,
      min: c.numeric ? round(c.numeric.min) : c.text ? c.text.minLength : '',
      mean: c.numeric ? round(c.numeric.mean) : c.text ? round(c.text.meanLength) : '',
      max: c.numeric ? round(c.numeric.max) : c.text ? c.text.maxLength : '',
      stddev: c.numeric ? round(c.numeric.stddev) : '',
      'p5/p50/p95': q.length ? [q[0], q[2], q[4]].map((x) => round(x.value)).join(' / ') : '',
      top: c.category ? `${c.category.distinctCount} distinct: ` + c.category.top.slice(0, 3).map((x) => `${x.value} (${x.count})`).join(', ') : '',
    };
  });
  return `${s.dataset} version ${s.version}: ${s.rowCount} rows (timestamps in µs since the epoch)\n${table(rows)}`;
}

function registerDatasets(program: Command): void {
  const datasets = program.command('datasets').description('list, show and compare datasets');
  withConnection(datasets.command('list').description('list datasets').option('--prefix <prefix>', 'only names starting with this', '')).action(async (flags: ConnectionFlags & { prefix: string }) => {
    const client = connect(flags);
    try {
      const all: ingestion.Dataset[] = [];
      for await (const d of client.ingestion.datasets(flags.prefix)) all.push(d);
      print(all, flags, (ds) => table(ds.map((d) => ({ name: d.name, version: d.latestVersion, rows: d.rowCount, columns: d.schema?.columns.length, updated: d.updateTime?.toISOString() }))));
    } finally {
      client.close();
    }
  });
  withConnection(datasets.command('show').description('a dataset, its schema and versions').argument('<name>')).action(async (name: string, flags: ConnectionFlags) => {
    const client = connect(flags);
    try {
      const d = await client.ingestion.getDataset(name);
      const versions = await client.ingestion.listVersions({ dataset: name, pageSize: 1000 });
      print({ dataset: d, versions: versions.versions }, flags, ({ dataset, versions: vs }) =>
        [
          `${dataset.name} (${dataset.id}): version ${dataset.latestVersion}, ${dataset.rowCount} rows${dataset.schema?.timeColumn ? `, time column ${dataset.schema.timeColumn}` : ''}${dataset.schema?.timeZone ? `, time zone ${dataset.schema.timeZone}` : ''}`,
          table(dataset.schema!.columns.map((c) => ({ column: c.name, type: typeName(c.type), nullable: c.nullable }))),
          table(vs.map((v) => ({ version: v.version, rows: v.rowCount, added: v.batchRows, quarantined: v.quarantinedRows, batch: v.batchId, created: v.createTime?.toISOString() }))),
        ].join('\n\n'),
      );
    } finally {
      client.close();
    }
  });
  withConnection(datasets.command('stats').description('statistics of a version').argument('<name>').option('--version <n>', 'version (default: latest)', '0')).action(async (name: string, flags: ConnectionFlags & { version: string }) => {
    const client = connect(flags);
    try {
      print(await client.ingestion.getStatistics(name, Number(flags.version)), flags, statsTable);
    } finally {
      client.close();
    }
  });
  withConnection(
    datasets
      .command('diff')
      .description('drift per column between two versions (PSI for numbers and timestamps, L-infinity for categories)')
      .argument('<name>')
      .argument('<base>', 'base version')
      .argument('[target]', 'target version (default: latest)', '0')
      .option('--threshold <x>', 'drift flag threshold', '0.2'),
  ).action(async (name: string, base: string, target: string, flags: ConnectionFlags & { threshold: string }) => {
    const client = connect(flags);
    try {
      const res = await client.ingestion.compareVersions({ dataset: name, baseVersion: Number(base), targetVersion: Number(target), threshold: Number(flags.threshold) });
      print(res, flags, (r) => `${table(r.columns.map((c) => ({ column: c.column, metric: c.metric, value: c.value.toFixed(4), drifted: c.drifted ? 'yes' : '' })))}\n${r.drifted ? 'drift detected' : 'no drift'}`);
    } finally {
      client.close();
    }
  });
  withConnection(datasets.command('quarantine').description('rows refused under --skip-invalid, with their reasons').argument('<name>').option('--version <n>', 'only this version', '0')).action(async (name: string, flags: ConnectionFlags & { version: string }) => {
    const client = connect(flags);
    try {
      const rows: ingestion.QuarantinedRow[] = [];
      let pageToken = '';
      do {
        const page = await client.ingestion.listQuarantine({ dataset: name, version: Number(flags.version), pageToken, pageSize: 1000 });
        rows.push(...page.rows);
        pageToken = page.nextPageToken;
      } while (pageToken);
      print(rows, flags, (rs) => table(rs.map((r) => ({ version: r.version, row: r.row, line: r.line, column: r.column, reason: r.reason, raw: r.rawJson }))));
    } finally {
      client.close();
    }
  });
  withConnection(datasets.command('delete').description('delete a dataset (soft: its rows are kept)').argument('<name>')).action(async (name: string, flags: ConnectionFlags) => {
    const client = connect(flags);
    try {
      await client.ingestion.deleteDataset(name);
      print({ deleted: name }, flags, () => `deleted ${name}`);
    } finally {
      client.close();
    }
  });
}

/** `cityml ingest` and `cityml datasets list|show|stats|diff|quarantine|delete`. */
export function registerIngestion(program: Command): void {
  withConnection(
    program
      .command('ingest')
      .description('stream a CSV, JSON-lines or Parquet file into a dataset as one new version')
      .argument('<name>', 'dataset name')
      .argument('<file>', 'the file (.csv, .jsonl, .parquet)')
      .option('--create', 'create the dataset with a schema inferred from the file if it does not exist')
      .option('--skip-invalid', 'commit the good rows and quarantine the bad ones (default: any bad row rejects the file)')
      .option('--batch-id <id>', 'idempotency key: re-running with the same id adds nothing')
      .option('--time-zone <tz>', 'IANA time zone of local times, recorded on a dataset made by --create')
      .addOption(new Option('--format <format>', 'file format (default: from the extension)').choices(['csv', 'jsonl', 'parquet']))
      .option('--chunk-rows <n>', 'rows per message', '8192')
      .option('--max-errors <n>', 'bad rows to report', '100')
      .option('--no-progress', 'no progress bar'),
  ).action((name: string, file: string, flags: IngestFlags) => ingestFile(name, file, flags).catch(fail));
  registerDatasets(program);
}
