import { common, ingestion } from '@cityml/proto';
import { FailedPreconditionError, InvalidArgumentError, NotFoundError } from '@cityml/runtime';
import { decodeToken, encodeToken, pageSize, toVersionProto } from './datasets';
import { columnIdent, readStatement } from './rows/table';
import { columnStatisticsProto, emptyStatistics } from './stats/column';
import { compareStatistics, DEFAULT_DRIFT_THRESHOLD } from './stats/drift';
import type { DatasetRow, IngestionStore } from './store';

const T = common.ColumnType;
const DEFAULT_READ_BATCH = 8192;
const MAX_READ_BATCH = 65536;

/** Resolves a requested version (0 = latest). NOT_FOUND past the latest. */
function resolveVersion(d: DatasetRow, version: number, field = 'version'): number {
  if (version < 0) throw InvalidArgumentError.field(field, 'must not be negative');
  const v = version || d.latest_version;
  if (v > d.latest_version) throw new NotFoundError(`dataset "${d.name}" has no version ${v} (latest is ${d.latest_version})`);
  return v;
}

const micros = (t: Date | undefined) => (t ? t.getTime() * 1000 : null);

type Row = Record<string, unknown>;

/** Builds one RowBatch from rows of the read statement. */
function toRowBatch(rows: Row[], schema: common.Schema, indices: number[]): common.RowBatch {
  const n = rows.length;
  return {
    rowCount: n,
    columns: indices.map((i) => {
      const s = schema.columns[i];
      const key = columnIdent(i);
      const col: common.Column = { name: s.name, type: s.type, nulls: Buffer.alloc(0), numbers: [], integers: [], booleans: [], strings: [], timestamps: [] };
      const nulls = Buffer.alloc((n + 7) >> 3);
      let anyNull = false;
      const target = s.type === T.COLUMN_TYPE_NUMBER ? col.numbers : s.type === T.COLUMN_TYPE_INTEGER ? col.integers : s.type === T.COLUMN_TYPE_BOOLEAN ? col.booleans : s.type === T.COLUMN_TYPE_TIMESTAMP ? col.timestamps : col.strings;
      const zero: unknown = s.type === T.COLUMN_TYPE_BOOLEAN ? false : s.type === T.COLUMN_TYPE_CATEGORY || s.type === T.COLUMN_TYPE_TEXT ? '' : 0;
      for (let r = 0; r < n; r++) {
        const v = rows[r][key];
        if (v === null || v === undefined) {
          nulls[r >> 3] |= 1 << (r & 7);
          anyNull = true;
          (target as unknown[]).push(zero);
        } else (target as unknown[]).push(v);
      }
      if (anyNull) col.nulls = nulls;
      return col;
    }),
  };
}

/**
 * Reads of committed versions. ReadRows, GetStatistics, CompareVersions, ListVersions,
 * ListQuarantine end with NOT_FOUND (dataset or version), INVALID_ARGUMENT (unknown
 * column, a time range without a time column, a bad page token), FAILED_PRECONDITION
 * (reading a dataset that has no version yet).
 */
export class Reads {
  constructor(private readonly store: IngestionStore) {}

  async *readRows(d: DatasetRow, req: ingestion.ReadRowsRequest, tenant: string, signal: AbortSignal): AsyncIterable<ingestion.ReadRowsResponse> {
    if (!d.latest_version && !req.version) throw new FailedPreconditionError(`dataset "${d.name}" has no version yet`);
    const version = resolveVersion(d, req.version);
    const schema = d.schema;
    const indices = req.columns.length
      ? req.columns.map((name, k) => {
          const i = schema.columns.findIndex((c) => c.name === name);
          if (i < 0) throw InvalidArgumentError.field(`columns[${k}]`, `no column named "${name}"`);
          return i;
        })
      : schema.columns.map((_, i) => i);
    const ranged = !!(req.startTime || req.endTime);
    if (ranged && !schema.timeColumn) throw InvalidArgumentError.field('start_time', 'the dataset has no time column');
    const size = Math.min(req.batchSize || DEFAULT_READ_BATCH, MAX_READ_BATCH);
    const seqs = await this.store.batchSeqs(tenant, d.id, version);
    const params: (string | number | null)[] = [`{${seqs.join(',')}}`];
    if (ranged) params.push(micros(req.startTime), micros(req.endTime));
    const stmt = readStatement(d.rows_table, schema, indices, ranged);
    for await (const rows of this.store.db.unsafe(stmt, params as never[]).cursor(size)) {
      if (signal.aborted) return;
      yield { rows: toRowBatch(rows as Row[], schema, indices), version };
    }
  }

  async listVersions(d: DatasetRow, req: ingestion.ListVersionsRequest, tenant: string): Promise<ingestion.ListVersionsResponse> {
    const limit = pageSize(req.pageSize);
    const rows = await this.store.listVersions(tenant, d.id, decodeToken(req.pageToken, 0), limit + 1);
    const page = rows.slice(0, limit);
    return { versions: page.map((v) => toVersionProto(d.name, v)), nextPageToken: rows.length > limit ? encodeToken(page[page.length - 1].version) : '' };
  }

  async statistics(d: DatasetRow, version: number, tenant: string): Promise<ingestion.GetStatisticsResponse> {
    const v = resolveVersion(d, version);
    const stats = v ? await this.store.statistics(tenant, d.id, v) : emptyStatistics(d.schema);
    return { dataset: d.name, version: v, rowCount: stats.rowCount, columns: stats.columns.map(columnStatisticsProto) };
  }

  async compare(d: DatasetRow, req: ingestion.CompareVersionsRequest, tenant: string): Promise<ingestion.CompareVersionsResponse> {
    if (!req.baseVersion) throw InvalidArgumentError.field('base_version', 'is required');
    if (req.threshold < 0 || !Number.isFinite(req.threshold)) throw InvalidArgumentError.field('threshold', 'must be a non-negative number');
    const base = resolveVersion(d, req.baseVersion, 'base_version');
    const target = resolveVersion(d, req.targetVersion, 'target_version');
    const [a, b] = await Promise.all([this.store.statistics(tenant, d.id, base), this.store.statistics(tenant, d.id, target)]);
    return compareStatistics(a, b, req.threshold || DEFAULT_DRIFT_THRESHOLD);
  }

  async quarantine(d: DatasetRow, req: ingestion.ListQuarantineRequest, tenant: string): Promise<ingestion.ListQuarantineResponse> {
    if (req.version < 0) throw InvalidArgumentError.field('version', 'must not be negative');
    const limit = pageSize(req.pageSize);
    const rows = await this.store.listQuarantine(tenant, d.id, req.version, decodeToken(req.pageToken, 0), limit + 1);
    const page = rows.slice(0, limit);
    return {
      rows: page.map((r) => ({ batchId: r.batch_id, version: r.version, row: r.row_no, line: r.line, column: r.column_name, reason: r.reason, rawJson: r.raw_json })),
      nextPageToken: rows.length > limit ? encodeToken(page[page.length - 1].id) : '',
    };
  }
}
