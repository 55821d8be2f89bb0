import { createHash, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { TransactionSql } from '@cityml/db';
import { ingestion } from '@cityml/proto';
import { AlreadyExistsError, CancelledError, InvalidArgumentError, type ErrorDetail } from '@cityml/runtime';
import { toVersionProto } from './datasets';
import { normalizeBatch, type NormalizedBatch } from './rows/batch';
import { CopyEncoder } from './rows/copy';
import { copyStatement } from './rows/table';
import { TimeZone } from './rows/values';
import type { WireIngestRowsRequest, WireRowBatch } from './rows/wire';
import { batchStatistics, emptyStatistics, mergeStatistics, type StatsState } from './stats/column';
import type { DatasetRow, IngestionStore, VersionRow } from './store';

const Policy = ingestion.BadRowPolicy;
const DEFAULT_REPORTED_ERRORS = 100;
const MAX_REPORTED_ERRORS = 10_000;
const MAX_QUARANTINE = 1_000_000;

interface Quarantined {
  row: number;
  line: number;
  column: string;
  reason: string;
  raw: string;
}

/** What one stream produced before its commit. */
interface StreamResult {
  rows: number;
  accepted: number;
  rejected: number;
  errors: ingestion.RowError[];
  quarantine: Quarantined[];
  stats: StatsState;
  sha256: string;
}

/** Thrown inside the commit when another stream committed the same batch_id first. */
class CommittedMeanwhile extends Error {
  constructor(readonly version: VersionRow) {
    super('batch committed meanwhile');
  }
}

function rawRow(batch: WireRowBatch, i: number): string {
  const out: Record<string, unknown> = {};
  for (const c of batch.columns) {
    const isNull = c.nulls.length > 0 && (c.nulls[i >> 3] >> (i & 7)) & 1;
    const T = c.type;
    out[c.name] = isNull
      ? null
      : T === 1
        ? c.numbers[i]
        : T === 2
          ? c.integers[i]
          : T === 3
            ? !!c.booleans[i]
            : T === 6
              ? Number.isFinite(c.timestamps[i]) && Math.abs(c.timestamps[i]) < 8.64e18
                ? new Date(c.timestamps[i] / 1000).toISOString()
                : c.timestamps[i]
              : c.strings[i];
  }
  return JSON.stringify(out);
}

/** Writes to a COPY stream with backpressure (`once` rejects if the stream errors meanwhile). */
async function writeAll(copy: Writable, chunks: Buffer[]): Promise<void> {
  for (const chunk of chunks) {
    if (!copy.write(chunk)) await once(copy, 'drain');
  }
}

/**
 * IngestRows: one finished stream commits exactly one new immutable version in one
 * transaction (rows COPYed in, version number taken under a row lock on the dataset at
 * commit, statistics merged); a stream that breaks off commits nothing. Ends with
 * NOT_FOUND (dataset), INVALID_ARGUMENT (malformed stream, or bad rows under the reject
 * policy, with per-row details), ALREADY_EXISTS (batch_id reused with other content),
 * CANCELLED (client broke off).
 */
export class Ingestor {
  constructor(private readonly store: IngestionStore) {}

  async ingest(requests: AsyncIterable<WireIngestRowsRequest>, tenant: string, signal: AbortSignal = new AbortController().signal): Promise<ingestion.IngestRowsResponse> {
    const it = requests[Symbol.asyncIterator]();
    const first = await it.next();
    if (first.done) throw new InvalidArgumentError('the stream carried no message');
    const head = first.value;
    if (!head.dataset) throw InvalidArgumentError.field('dataset', 'is required');
    if (head.batchId.length > 256) throw InvalidArgumentError.field('batch_id', 'at most 256 characters');
    if (head.policy !== 0 && head.policy !== Policy.BAD_ROW_POLICY_REJECT && head.policy !== Policy.BAD_ROW_POLICY_SKIP_INVALID) throw InvalidArgumentError.field('policy', 'unknown policy');
    const dataset = await this.store.getDataset(tenant, head.dataset);
    const messages = (async function* () {
      yield head;
      for (;;) {
        const n = await it.next();
        if (n.done) return;
        yield n.value;
      }
    })();
    const batchId = head.batchId || randomUUID();
    const existing = head.batchId ? await this.store.versionByBatchId(tenant, dataset.id, batchId) : undefined;
    if (existing) return this.duplicate(existing, await hashOnly(messages), dataset);
    const seq = await this.store.nextBatchSeq();
    let sha = '';
    try {
      return await this.store.db.begin(async (tx) => {
        const result = await this.copyIn(tx, dataset, seq, head, messages, signal);
        sha = result.sha256;
        return await this.commit(tx, tenant, dataset, seq, batchId, result, signal);
      });
    } catch (err) {
      if (err instanceof CommittedMeanwhile) return this.duplicate(err.version, sha, dataset);
      throw err;
    }
  }

  private duplicate(existing: VersionRow, sha256: string, dataset: DatasetRow): ingestion.IngestRowsResponse {
    if (existing.content_sha256 !== sha256) {
      throw new AlreadyExistsError(`batch_id "${existing.batch_id}" was already committed as version ${existing.version} with different content`, [{ field: 'batch_id', reason: 'reused with different content' }]);
    }
    return { version: toVersionProto(dataset.name, existing), rowsAccepted: existing.batch_rows, rowsRejected: existing.quarantined_rows, errors: [], duplicate: true };
  }

  /** Streams every message's accepted rows into the rows table; returns counts, problems and statistics. */
  private async copyIn(tx: TransactionSql, dataset: DatasetRow, seq: number, head: WireIngestRowsRequest, messages: AsyncIterable<WireIngestRowsRequest>, signal: AbortSignal): Promise<StreamResult> {
    const skipInvalid = head.policy === Policy.BAD_ROW_POLICY_SKIP_INVALID;
    const maxReported = Math.min(head.maxReportedErrors || DEFAULT_REPORTED_ERRORS, MAX_REPORTED_ERRORS);
    const zone = new TimeZone(dataset.schema.timeZone);
    const hash = createHash('sha256');
    const encoder = new CopyEncoder(seq);
    const out: StreamResult = { rows: 0, accepted: 0, rejected: 0, errors: [], quarantine: [], stats: emptyStatistics(dataset.schema), sha256: '' };
    const copy = (await tx.unsafe(copyStatement(dataset.rows_table, dataset.schema)).writable()) as Writable;
    let copyError: unknown;
    copy.on('error', (e) => (copyError ??= e));
    try {
      for await (const msg of messages) {
        if (copyError) throw copyError;
        hash.update(msg.raw);
        const rows = msg.rows;
        if (!rows || rows.rowCount === 0) continue;
        if (msg.sourceLines.length && msg.sourceLines.length !== rows.rowCount) throw InvalidArgumentError.field('source_lines', `has ${msg.sourceLines.length} entries for ${rows.rowCount} rows`);
        const batch = normalizeBatch(rows, dataset.schema, zone);
        this.collectProblems(batch, msg, out, skipInvalid, maxReported);
        if (skipInvalid || out.rejected === 0) {
          encoder.encode(batch, out.rows);
          await writeAll(copy, encoder.take());
          out.stats = mergeStatistics(out.stats, statsOf(batch));
        }
        out.accepted += batch.rowCount - batch.problems.length;
        out.rows += rows.rowCount;
      }
      // grpc-js delivers a client's RST_STREAM as end-of-stream first and as a cancel a
      // moment later: give the cancel a turn of the event loop to arrive before committing.
      await new Promise((r) => setTimeout(r, 1));
      if (signal.aborted) throw new CancelledError('the client cancelled the stream');
      await writeAll(copy, [...encoder.take(), CopyEncoder.trailer()]);
      await new Promise<void>((resolve, reject) => {
        copy.once('error', reject);
        copy.end(() => resolve());
      });
    } catch (err) {
      copy.destroy(err instanceof Error ? err : new Error('ingest failed'));
      throw err;
    }
    if (copyError) throw copyError;
    out.sha256 = hash.digest('hex');
    if (!skipInvalid && out.rejected) throw rejection(out);
    return out;
  }

  private collectProblems(batch: NormalizedBatch, msg: WireIngestRowsRequest, out: StreamResult, skipInvalid: boolean, maxReported: number): void {
    for (const p of batch.problems) {
      const row = out.rows + p.index + 1;
      const line = msg.sourceLines.length ? msg.sourceLines[p.index] : 0;
      out.rejected++;
      if (out.errors.length < maxReported) out.errors.push({ row, line, column: p.column, reason: p.reason });
      if (skipInvalid) {
        if (out.quarantine.length >= MAX_QUARANTINE) throw new InvalidArgumentError(`more than ${MAX_QUARANTINE} invalid rows in one stream`);
        out.quarantine.push({ row, line, column: p.column, reason: p.reason, raw: rawRow(msg.rows!, p.index) });
      }
    }
  }

  /** Takes the next version number under the dataset's row lock and records the version. */
  private async commit(tx: TransactionSql, tenant: string, dataset: DatasetRow, seq: number, batchId: string, r: StreamResult, signal: AbortSignal): Promise<ingestion.IngestRowsResponse> {
    const locked = await this.store.lockDataset(tx, tenant, dataset.id);
    if (signal.aborted) throw new CancelledError('the client cancelled the stream');
    const meanwhile = await this.store.versionByBatchId(tenant, dataset.id, batchId, tx);
    if (meanwhile) throw new CommittedMeanwhile(meanwhile);
    const previous = locked.latest_version ? await this.store.statistics(tenant, dataset.id, locked.latest_version, tx) : emptyStatistics(dataset.schema);
    const version = locked.latest_version + 1;
    const stored = await this.store.insertVersion(
      tx,
      tenant,
      dataset.id,
      { version, batch_seq: seq, batch_id: batchId, content_sha256: r.sha256, row_count: locked.row_count + r.accepted, batch_rows: r.accepted, quarantined_rows: r.quarantine.length },
      mergeStatistics(previous, r.stats),
    );
    if (r.quarantine.length) await this.store.insertQuarantine(tx, tenant, dataset.id, version, batchId, r.quarantine);
    return { version: toVersionProto(dataset.name, stored), rowsAccepted: r.accepted, rowsRejected: r.rejected, errors: r.errors, duplicate: false };
  }
}

function statsOf(batch: NormalizedBatch): StatsState {
  const inputs = batch.columns.map((c) => {
    const skip = new Uint8Array(batch.rowCount);
    for (let i = 0; i < batch.rowCount; i++) skip[i] = c.isNull[i] | batch.bad[i];
    let nullCount = 0;
    for (let i = 0; i < batch.rowCount; i++) if (c.isNull[i] && !batch.bad[i]) nullCount++;
    return { name: c.schema.name, type: c.schema.type, skip, nullCount, values: c.values, strings: c.strings };
  });
  return batchStatistics(inputs, batch.rowCount - batch.problems.length, batch.rowCount);
}

function rejection(r: StreamResult): InvalidArgumentError {
  const f = r.errors[0];
  const details: ErrorDetail[] = r.errors.map((e) => ({ row: e.row, ...(e.line ? { line: e.line } : {}), column: e.column, reason: e.reason }));
  return new InvalidArgumentError(`${r.rejected} of ${r.rows} rows are invalid; nothing was committed (first: row ${f.row}${f.line ? `, line ${f.line}` : ''}, column ${f.column}: ${f.reason})`, details);
}

async function hashOnly(messages: AsyncIterable<WireIngestRowsRequest>): Promise<string> {
  const hash = createHash('sha256');
  for await (const m of messages) hash.update(m.raw);
  return hash.digest('hex');
}
