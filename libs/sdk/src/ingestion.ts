import { Metadata } from '@grpc/grpc-js';
import { common, ingestion } from '@cityml/proto';
import { callOptions, clientStream, createClient, serverStream, unary, type ConnectionOptions } from './core';

const T = common.ColumnType;

/** A column to send: like `common.Column`, but value arrays may be typed arrays and unused ones left out. */
export interface ColumnInput {
  name: string;
  type: common.ColumnType;
  nulls?: Uint8Array;
  numbers?: ArrayLike<number>;
  integers?: ArrayLike<number>;
  booleans?: ArrayLike<boolean | number>;
  strings?: string[];
  /** Microseconds since the Unix epoch. */
  timestamps?: ArrayLike<number>;
}

/** Rows to send, in columnar form (see `common.RowBatch`). */
export interface RowBatchInput {
  rowCount: number;
  columns: ColumnInput[];
}

/** One IngestRows message; `dataset`, `batchId`, `policy` count on the first message only. */
export interface IngestRowsMessage {
  dataset?: string;
  batchId?: string;
  policy?: ingestion.BadRowPolicy;
  maxReportedErrors?: number;
  rows?: RowBatchInput;
  sourceLines?: ArrayLike<number>;
}

/** Options of {@link IngestionClient.ingest}. */
export interface IngestOptions {
  /** Makes the call idempotent: resending a committed batch returns its version. */
  batchId?: string;
  /** Keep good rows and quarantine bad ones instead of rejecting the stream. */
  skipInvalid?: boolean;
  maxReportedErrors?: number;
}

/** A grow-on-demand protobuf writer that writes packed arrays without per-value objects. */
class Writer {
  buf = Buffer.allocUnsafe(1 << 16);
  at = 0;
  ensure(n: number): void {
    if (this.at + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.at + n));
    this.buf.copy(next, 0, 0, this.at);
    this.buf = next;
  }
  varint(v: number): void {
    this.ensure(10);
    while (v >= 0x80) {
      this.buf[this.at++] = (v % 128) | 0x80;
      v = Math.floor(v / 128);
    }
    this.buf[this.at++] = v;
  }
  /** An unsigned 64-bit varint given as two 32-bit halves. */
  varint64(lo: number, hi: number): void {
    this.ensure(10);
    while (hi !== 0 || lo > 0x7f) {
      this.buf[this.at++] = (lo & 0x7f) | 0x80;
      lo = ((lo >>> 7) | (hi << 25)) >>> 0;
      hi >>>= 7;
    }
    this.buf[this.at++] = lo;
  }
  /** int64 as a two's-complement varint (negative values take 10 bytes). */
  int64(v: number): void {
    if (v >= 0 && v < 2 ** 31) return this.varint(v);
    const hi = Math.floor(v / 4294967296);
    this.varint64((v - hi * 4294967296) >>> 0, hi >>> 0);
  }
  /** sint64 (zigzag) varint. */
  sint64(v: number): void {
    const hiS = Math.floor(v / 4294967296);
    const lo = (v - hiS * 4294967296) >>> 0;
    const sign = hiS >> 31;
    this.varint64(((lo << 1) ^ sign) >>> 0, (((hiS << 1) | (lo >>> 31)) ^ sign) >>> 0);
  }
  tag(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }
  string(field: number, s: string): void {
    const n = Buffer.byteLength(s);
    this.tag(field, 2);
    this.varint(n);
    this.ensure(n);
    this.at += this.buf.write(s, this.at, 'utf8');
  }
  bytes(field: number, b: Uint8Array): void {
    this.tag(field, 2);
    this.varint(b.length);
    this.ensure(b.length);
    this.buf.set(b, this.at);
    this.at += b.length;
  }
  /** A length-delimited field whose body is written by `body` (length patched afterwards). */
  message(field: number, body: () => void): void {
    this.tag(field, 2);
    this.ensure(5);
    const lenAt = this.at;
    this.at += 5;
    body();
    const len = this.at - lenAt - 5;
    // Fixed 5-byte varint for the length (valid protobuf: non-minimal varints are accepted).
    let v = len;
    for (let i = 0; i < 4; i++) {
      this.buf[lenAt + i] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    this.buf[lenAt + 4] = v;
  }
  packed(field: number, values: ArrayLike<number>, each: (v: number) => void): void {
    if (!values.length) return;
    this.message(field, () => {
      for (let i = 0; i < values.length; i++) each(values[i]);
    });
  }
  doubles(field: number, values: ArrayLike<number>): void {
    if (!values.length) return;
    const f64 = values instanceof Float64Array ? values : Float64Array.from(values);
    this.tag(field, 2);
    this.varint(f64.length * 8);
    this.ensure(f64.length * 8);
    this.buf.set(new Uint8Array(f64.buffer, f64.byteOffset, f64.length * 8), this.at);
    this.at += f64.length * 8;
  }
}

function writeColumn(w: Writer, c: ColumnInput): void {
  if (c.name) w.string(1, c.name);
  if (c.type) {
    w.tag(2, 0);
    w.varint(c.type);
  }
  if (c.nulls?.length) w.bytes(3, c.nulls);
  if (c.numbers) w.doubles(4, c.numbers);
  if (c.integers) w.packed(5, c.integers, (v) => w.sint64(v));
  if (c.booleans) w.packed(6, c.booleans as ArrayLike<number>, (v) => w.varint(v ? 1 : 0));
  if (c.strings) for (const s of c.strings) w.string(7, s);
  if (c.timestamps) w.packed(8, c.timestamps, (v) => w.int64(v));
}

/**
 * Encodes one IngestRowsRequest in its protobuf wire format, straight from typed
 * arrays (packed doubles are one copy). Wire-compatible with the generated encoder.
 */
export function encodeIngestRowsRequest(m: IngestRowsMessage): Buffer {
  const w = new Writer();
  if (m.dataset) w.string(1, m.dataset);
  if (m.batchId) w.string(2, m.batchId);
  if (m.policy) {
    w.tag(3, 0);
    w.varint(m.policy);
  }
  if (m.maxReportedErrors) {
    w.tag(4, 0);
    w.varint(m.maxReportedErrors);
  }
  if (m.rows) {
    const rows = m.rows;
    w.message(5, () => {
      if (rows.rowCount) {
        w.tag(1, 0);
        w.varint(rows.rowCount);
      }
      for (const c of rows.columns) w.message(2, () => writeColumn(w, c));
    });
  }
  if (m.sourceLines?.length) w.packed(6, m.sourceLines, (v) => w.varint(v));
  return w.buf.subarray(0, w.at);
}

/** A null bitmap (LSB first) from per-row flags; empty when nothing is null. */
export function nullBitmap(isNull: ArrayLike<boolean | number>): Uint8Array {
  const out = new Uint8Array((isNull.length + 7) >> 3);
  let any = false;
  for (let i = 0; i < isNull.length; i++) {
    if (isNull[i]) {
      out[i >> 3] |= 1 << (i & 7);
      any = true;
    }
  }
  return any ? out : new Uint8Array(0);
}

function micros(v: unknown): number {
  if (v instanceof Date) return v.getTime() * 1000;
  if (typeof v === 'number') return v;
  return new Date(String(v)).getTime() * 1000;
}

/**
 * Builds a RowBatch from plain records for a schema. `null`/`undefined` is null;
 * TIMESTAMP values may be Dates, ISO strings or µs numbers. A value of the wrong type
 * is sent as its string form so the server reports it with a reason.
 */
export function rowBatchFromRecords(schema: Pick<common.Schema, 'columns'>, records: Record<string, unknown>[]): RowBatchInput {
  return {
    rowCount: records.length,
    columns: schema.columns.map((s): ColumnInput => {
      const values = records.map((r) => r[s.name]);
      const nulls = nullBitmap(values.map((v) => v === null || v === undefined));
      const present = values.filter((v) => v !== null && v !== undefined);
      const ok =
        s.type === T.COLUMN_TYPE_NUMBER || s.type === T.COLUMN_TYPE_INTEGER
          ? present.every((v) => typeof v === 'number')
          : s.type === T.COLUMN_TYPE_BOOLEAN
            ? present.every((v) => typeof v === 'boolean')
            : s.type === T.COLUMN_TYPE_TIMESTAMP
              ? present.every((v) => v instanceof Date || typeof v === 'number')
              : true;
      if (!ok) return { name: s.name, type: T.COLUMN_TYPE_TEXT, nulls, strings: values.map((v) => (v === null || v === undefined ? '' : v instanceof Date ? v.toISOString() : String(v))) };
      const base = { name: s.name, type: s.type, nulls };
      switch (s.type) {
        case T.COLUMN_TYPE_NUMBER:
          return { ...base, numbers: values.map((v) => (typeof v === 'number' ? v : 0)) };
        case T.COLUMN_TYPE_INTEGER:
          return { ...base, integers: values.map((v) => (typeof v === 'number' ? v : 0)) };
        case T.COLUMN_TYPE_BOOLEAN:
          return { ...base, booleans: values.map((v) => v === true) };
        case T.COLUMN_TYPE_TIMESTAMP:
          return { ...base, timestamps: values.map((v) => (v === null || v === undefined ? 0 : micros(v))) };
        default:
          return { ...base, strings: values.map((v) => (v === null || v === undefined ? '' : String(v))) };
      }
    }),
  };
}

/** Plain records from a RowBatch: nulls as `null`, TIMESTAMP as µs since the epoch (numbers). */
export function recordsFromRowBatch(batch: common.RowBatch): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = Array.from({ length: batch.rowCount }, () => ({}));
  for (const c of batch.columns) {
    const values: ArrayLike<unknown> =
      c.type === T.COLUMN_TYPE_NUMBER ? c.numbers : c.type === T.COLUMN_TYPE_INTEGER ? c.integers : c.type === T.COLUMN_TYPE_BOOLEAN ? c.booleans : c.type === T.COLUMN_TYPE_TIMESTAMP ? c.timestamps : c.strings;
    for (let i = 0; i < batch.rowCount; i++) {
      const isNull = c.nulls.length > 0 && (c.nulls[i >> 3] >> (i & 7)) & 1;
      out[i][c.name] = isNull ? null : values[i];
    }
  }
  return out;
}

/** Typed client of the ingestion service (cityml.ingestion.v1.IngestionService). */
export class IngestionClient {
  /** The generated grpc-js client, for calls this class does not wrap. */
  readonly raw: ingestion.IngestionServiceClient;

  constructor(readonly options: ConnectionOptions) {
    this.raw = createClient(ingestion.IngestionServiceClient, options);
  }

  /** Creates a dataset. INVALID_ARGUMENT (name, schema), ALREADY_EXISTS. */
  async createDataset(req: Partial<ingestion.CreateDatasetRequest> & { name: string; schema: common.Schema }): Promise<ingestion.Dataset> {
    const res = await unary(this.raw.createDataset.bind(this.raw), ingestion.CreateDatasetRequest.fromPartial(req), callOptions(this.options));
    return res.dataset!;
  }

  /** A dataset by name. NOT_FOUND. */
  async getDataset(name: string): Promise<ingestion.Dataset> {
    const res = await unary(this.raw.getDataset.bind(this.raw), { name }, callOptions(this.options));
    return res.dataset!;
  }

  /** One page of datasets (by name). */
  listDatasets(req: Partial<ingestion.ListDatasetsRequest> = {}): Promise<ingestion.ListDatasetsResponse> {
    return unary(this.raw.listDatasets.bind(this.raw), ingestion.ListDatasetsRequest.fromPartial(req), callOptions(this.options));
  }

  /** Every dataset, page by page. */
  async *datasets(namePrefix = ''): AsyncIterable<ingestion.Dataset> {
    let pageToken = '';
    do {
      const page = await this.listDatasets({ namePrefix, pageToken });
      yield* page.datasets;
      pageToken = page.nextPageToken;
    } while (pageToken);
  }

  /** Soft-deletes a dataset. NOT_FOUND. */
  async deleteDataset(name: string): Promise<void> {
    await unary(this.raw.deleteDataset.bind(this.raw), { name }, callOptions(this.options));
  }

  /** Infers a schema from the first lines of a CSV or JSON-lines file. INVALID_ARGUMENT. */
  inferSchema(req: Partial<ingestion.InferSchemaRequest>): Promise<ingestion.InferSchemaResponse> {
    return unary(this.raw.inferSchema.bind(this.raw), ingestion.InferSchemaRequest.fromPartial(req), callOptions(this.options));
  }

  /**
   * IngestRows: streams `messages` (with backpressure, encoded straight from typed
   * arrays) and resolves with the committed version. Rejects with NOT_FOUND,
   * INVALID_ARGUMENT (details name row, line, column, reason), ALREADY_EXISTS (batch_id
   * reused with other content). If `messages` throws, the call is cancelled and nothing
   * is committed.
   */
  ingestRows(messages: AsyncIterable<IngestRowsMessage> | Iterable<IngestRowsMessage>): Promise<ingestion.IngestRowsResponse> {
    const path = ingestion.IngestionServiceService.ingestRows.path;
    return clientStream<IngestRowsMessage, ingestion.IngestRowsResponse>(
      (cb) => this.raw.makeClientStreamRequest(path, encodeIngestRowsRequest, (b: Buffer) => ingestion.IngestRowsResponse.decode(b), new Metadata(), {}, (err, res) => cb(err, res!)),
      messages,
    );
  }

  /** Ingests row batches into `dataset` as one new version. See {@link ingestRows}. */
  ingest(dataset: string, batches: AsyncIterable<RowBatchInput> | Iterable<RowBatchInput>, options: IngestOptions = {}): Promise<ingestion.IngestRowsResponse> {
    const head: IngestRowsMessage = {
      dataset,
      batchId: options.batchId,
      policy: options.skipInvalid ? ingestion.BadRowPolicy.BAD_ROW_POLICY_SKIP_INVALID : ingestion.BadRowPolicy.BAD_ROW_POLICY_REJECT,
      maxReportedErrors: options.maxReportedErrors,
    };
    return this.ingestRows(
      (async function* () {
        let first = true;
        for await (const rows of batches) {
          yield first ? { ...head, rows } : { rows };
          first = false;
        }
        if (first) yield head;
      })(),
    );
  }

  /** ReadRows: a version's rows as RowBatch chunks. NOT_FOUND, INVALID_ARGUMENT, FAILED_PRECONDITION. */
  readRows(req: Partial<ingestion.ReadRowsRequest> & { dataset: string }): AsyncIterable<ingestion.ReadRowsResponse> {
    return serverStream(this.raw.readRows(ingestion.ReadRowsRequest.fromPartial(req)));
  }

  /** Every row of a version as plain records (small datasets and tests). */
  async readRecords(req: Partial<ingestion.ReadRowsRequest> & { dataset: string }): Promise<Record<string, unknown>[]> {
    const out: Record<string, unknown>[] = [];
    for await (const r of this.readRows(req)) out.push(...recordsFromRowBatch(r.rows!));
    return out;
  }

  /** One page of a dataset's versions. NOT_FOUND. */
  listVersions(req: Partial<ingestion.ListVersionsRequest> & { dataset: string }): Promise<ingestion.ListVersionsResponse> {
    return unary(this.raw.listVersions.bind(this.raw), ingestion.ListVersionsRequest.fromPartial(req), callOptions(this.options));
  }

  /** Statistics of a version (0 = latest). NOT_FOUND. */
  getStatistics(dataset: string, version = 0): Promise<ingestion.GetStatisticsResponse> {
    return unary(this.raw.getStatistics.bind(this.raw), { dataset, version }, callOptions(this.options));
  }

  /** Drift per column between two versions. NOT_FOUND, INVALID_ARGUMENT. */
  compareVersions(req: Partial<ingestion.CompareVersionsRequest> & { dataset: string; baseVersion: number }): Promise<ingestion.CompareVersionsResponse> {
    return unary(this.raw.compareVersions.bind(this.raw), ingestion.CompareVersionsRequest.fromPartial(req), callOptions(this.options));
  }

  /** One page of quarantined rows (version 0 = all). NOT_FOUND. */
  listQuarantine(req: Partial<ingestion.ListQuarantineRequest> & { dataset: string }): Promise<ingestion.ListQuarantineResponse> {
    return unary(this.raw.listQuarantine.bind(this.raw), ingestion.ListQuarantineRequest.fromPartial(req), callOptions(this.options));
  }

  close(): void {
    this.raw.close();
  }
}
