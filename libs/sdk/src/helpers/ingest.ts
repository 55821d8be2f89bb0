import { randomUUID } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { status } from '@grpc/grpc-js';
import { parse } from 'csv-parse';
import { common, ingestion } from '@cityml/proto';
import type { CityML } from '../cityml';
import { CityMLClientError } from '../core';
import { rowBatchFromRecords, type IngestRowsMessage, type RowBatchInput } from '../ingestion';
import { rowsToCsv, type PlainRow } from './rows';

const T = common.ColumnType;

/** Progress of an ingest: rows sent so far, and for files the bytes read of the total. */
export interface IngestProgress {
  rows: number;
  bytes?: number;
  totalBytes?: number;
}

/** Options shared by {@link ingestCsv} and {@link ingestRows}. */
export interface IngestHelperOptions {
  /**
   * Create the dataset when it does not exist: `true` infers the schema (InferSchema on
   * the first lines), or give the schema (and a description) to declare it.
   */
  create?: boolean | { schema?: Partial<common.Schema>; description?: string; timeZone?: string };
  /** Called after every batch sent. */
  onProgress?: (p: IngestProgress) => void;
  /** Idempotency key of the new version (default: a random UUID). */
  batchId?: string;
  /** Bad rows reject the whole batch (default) or are quarantined ("skip-invalid"). */
  policy?: 'reject' | 'skip-invalid';
  /** Rows per IngestRows message (default 5000). */
  batchRows?: number;
}

/** The dataset `name`, or undefined when it does not exist. */
async function findDataset(client: CityML, name: string): Promise<ingestion.Dataset | undefined> {
  try {
    return await client.ingestion.getDataset(name);
  } catch (err) {
    if (err instanceof CityMLClientError && err.code === status.NOT_FOUND) return undefined;
    throw err;
  }
}

/**
 * The dataset to ingest into: the existing one, or (with `create`) a new one whose schema
 * is declared or inferred from `sample` (CSV text, header first).
 */
async function ensureDataset(client: CityML, name: string, create: IngestHelperOptions['create'], sample: () => Promise<string>): Promise<ingestion.Dataset> {
  const found = await findDataset(client, name);
  if (found) return found;
  if (!create) throw new CityMLClientError(status.NOT_FOUND, `dataset "${name}" does not exist (pass create to make it)`);
  const opts = typeof create === 'object' ? create : {};
  let schema: common.Schema;
  if (opts.schema?.columns?.length) {
    schema = common.Schema.fromPartial({ timeZone: opts.timeZone, ...opts.schema });
  } else {
    const inferred = await client.ingestion.inferSchema({ format: ingestion.FileFormat.FILE_FORMAT_CSV, sample: await sample(), timeZone: opts.timeZone ?? '' });
    schema = common.Schema.fromPartial({ ...inferred.schema, ...opts.schema, columns: inferred.schema?.columns ?? [] });
  }
  return client.ingestion.createDataset({ name, description: opts.description ?? '', schema });
}

/** The first IngestRows message's header fields from the helper options. */
function firstMessage(dataset: string, options: IngestHelperOptions): IngestRowsMessage {
  const policy = options.policy === 'skip-invalid' ? ingestion.BadRowPolicy.BAD_ROW_POLICY_SKIP_INVALID : ingestion.BadRowPolicy.BAD_ROW_POLICY_REJECT;
  return { dataset, batchId: options.batchId ?? randomUUID(), policy };
}

/** The first lines of a file (at most ~64 KiB, cut at a line end), for InferSchema. */
async function fileSample(file: string, bytes = 64 * 1024): Promise<string> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const { bytesRead } = await fh.read(buf, 0, bytes, 0);
    const text = buf.subarray(0, bytesRead).toString('utf8');
    return bytesRead < bytes ? text : text.slice(0, text.lastIndexOf('\n') + 1);
  } finally {
    await fh.close();
  }
}

/** Column-major RowBatch of CSV records as TEXT (empty cells are nulls); the server parses them per the schema. */
function csvBatch(header: string[], records: string[][]): RowBatchInput {
  const n = records.length;
  const columns = header.map((name, j) => {
    const nulls = Buffer.alloc(Math.ceil(n / 8));
    let anyNull = false;
    const strings = new Array<string>(n);
    for (let i = 0; i < n; i++) {
      const v = records[i][j] ?? '';
      strings[i] = v;
      if (v === '') {
        nulls[i >> 3] |= 1 << (i & 7);
        anyNull = true;
      }
    }
    return { name, type: T.COLUMN_TYPE_TEXT, strings, nulls: anyNull ? nulls : new Uint8Array(0) };
  });
  return { rowCount: n, columns };
}

/**
 * Ingests a CSV file (header first, RFC 4180) into `dataset` as one new version, streaming
 * it in batches with each row's source line, so the server's row errors name the line.
 * With `create`, a missing dataset is created first (schema inferred from the file's first
 * lines unless given).
 * @returns the IngestRows answer: the new version, rows accepted and rejected, row errors.
 * @throws CityMLClientError NOT_FOUND (no such dataset and no `create`), INVALID_ARGUMENT
 * (a column not in the schema, or bad rows under the reject policy; details name line and
 * column), ALREADY_EXISTS (a racing create), UNAUTHENTICATED / PERMISSION_DENIED.
 */
export async function ingestCsv(client: CityML, file: string, dataset: string, options: IngestHelperOptions = {}): Promise<ingestion.IngestRowsResponse> {
  const totalBytes = statSync(file).size;
  await ensureDataset(client, dataset, options.create, () => fileSample(file));
  const size = options.batchRows ?? 5000;
  async function* messages(): AsyncIterable<IngestRowsMessage> {
    let first: IngestRowsMessage | undefined = firstMessage(dataset, options);
    const parser = createReadStream(file).pipe(parse({ info: true, relax_column_count: true, skip_empty_lines: true, bom: true }));
    let header: string[] | undefined;
    let records: string[][] = [];
    let lines: number[] = [];
    let rows = 0;
    let lastLine = 0;
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number; bytes: number } }>) {
      const startLine = lastLine + 1;
      lastLine = info.lines;
      if (!header) {
        header = record.map((h) => h.trim());
        continue;
      }
      records.push(record);
      lines.push(startLine);
      if (records.length >= size) {
        rows += records.length;
        yield { ...first, rows: csvBatch(header, records), sourceLines: lines };
        first = undefined;
        options.onProgress?.({ rows, bytes: info.bytes, totalBytes });
        records = [];
        lines = [];
      }
    }
    if (records.length && header) {
      rows += records.length;
      yield { ...first, rows: csvBatch(header, records), sourceLines: lines };
      first = undefined;
    }
    if (first) yield first;
    options.onProgress?.({ rows, bytes: totalBytes, totalBytes });
  }
  return client.ingestion.ingestRows(messages());
}

/** The first `n` items of an async iterable, and an iterable of all of them (those first). */
async function peek<T>(source: AsyncIterable<T> | Iterable<T>, n: number): Promise<{ head: T[]; all: AsyncIterable<T> }> {
  const it = (Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : (source as Iterable<T>)[Symbol.iterator]()) as AsyncIterator<T> | Iterator<T>;
  const head: T[] = [];
  let done = false;
  while (head.length < n) {
    const r = await it.next();
    if (r.done) {
      done = true;
      break;
    }
    head.push(r.value);
  }
  async function* all(): AsyncIterable<T> {
    yield* head;
    if (done) return;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield r.value;
    }
  }
  return { head, all: all() };
}

/**
 * Ingests plain row objects (an array, generator or async iterable, e.g. rows arriving
 * from a city system) into `dataset` as one new version, converted to RowBatches against
 * the dataset's schema (with the ingestion client's `rowBatchFromRecords`). With
 * `create`, a missing dataset is created first, its schema declared or inferred from the
 * first 1000 rows.
 * @throws CityMLClientError NOT_FOUND (no such dataset and no `create`), INVALID_ARGUMENT
 * (bad rows under the reject policy; details name the row and column),
 * UNAUTHENTICATED / PERMISSION_DENIED.
 */
export async function ingestRows(client: CityML, dataset: string, rows: AsyncIterable<PlainRow> | Iterable<PlainRow>, options: IngestHelperOptions = {}): Promise<ingestion.IngestRowsResponse> {
  const { head, all } = await peek(rows, 1000);
  const ds = await ensureDataset(client, dataset, options.create, async () => rowsToCsv(head));
  const schema = ds.schema ?? common.Schema.fromPartial({});
  const size = options.batchRows ?? 5000;
  let sent = 0;
  async function* batches(): AsyncIterable<RowBatchInput> {
    let pending: PlainRow[] = [];
    const flush = () => {
      const batch = rowBatchFromRecords(schema, pending as Record<string, unknown>[]);
      sent += pending.length;
      pending = [];
      return batch;
    };
    for await (const row of all) {
      pending.push(row);
      if (pending.length >= size) {
        yield flush();
        options.onProgress?.({ rows: sent });
      }
    }
    if (pending.length) {
      yield flush();
      options.onProgress?.({ rows: sent });
    }
  }
  return client.ingestion.ingest(dataset, batches(), { batchId: options.batchId ?? randomUUID(), skipInvalid: options.policy === 'skip-invalid' });
}
