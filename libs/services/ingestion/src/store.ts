import { randomUUID } from 'node:crypto';
import { isPgError, UNIQUE_VIOLATION, type Db, type TransactionSql } from '@cityml/db';
import { AlreadyExistsError, NotFoundError } from '@cityml/runtime';
import type { common } from '@cityml/proto';
import type { StatsState } from './stats/column';
import { rowsTableDdl } from './rows/table';

/** A dataset as stored. */
export interface DatasetRow {
  id: string;
  tenant: string;
  name: string;
  description: string;
  schema: common.Schema;
  labels: Record<string, string>;
  rows_table: string;
  latest_version: number;
  row_count: number;
  create_time: Date;
  update_time: Date;
}

/** A committed version as stored (without its statistics). */
export interface VersionRow {
  version: number;
  batch_seq: number;
  batch_id: string;
  content_sha256: string;
  row_count: number;
  batch_rows: number;
  quarantined_rows: number;
  create_time: Date;
}

/** A quarantined row as stored. */
export interface QuarantineRow {
  id: number;
  version: number;
  batch_id: string;
  row_no: number;
  line: number;
  column_name: string;
  reason: string;
  raw_json: string;
}

const VERSION_COLS = 'version, batch_seq, batch_id, content_sha256, row_count, batch_rows, quarantined_rows, create_time';

/**
 * All SQL of the ingestion service. Every query is scoped by tenant; a unique violation
 * becomes ALREADY_EXISTS here, and only "no rows" means NOT_FOUND.
 */
export class IngestionStore {
  constructor(readonly db: Db) {}

  /** Creates the dataset and its rows table in one transaction. ALREADY_EXISTS if the name is taken. */
  async createDataset(tenant: string, d: { name: string; description: string; schema: common.Schema; labels: Record<string, string> }): Promise<DatasetRow> {
    const id = randomUUID();
    const table = `rows_${id.replace(/-/g, '')}`;
    try {
      return await this.db.begin(async (tx) => {
        const [row] = await tx<DatasetRow[]>`
          insert into ingestion.datasets (id, tenant, name, description, schema, labels, rows_table)
          values (${id}, ${tenant}, ${d.name}, ${d.description}, ${tx.json(d.schema as never)}, ${tx.json(d.labels)}, ${table})
          returning *`;
        await tx.unsafe(rowsTableDdl(table, d.schema));
        return row;
      });
    } catch (err) {
      if (isPgError(err, UNIQUE_VIOLATION)) throw new AlreadyExistsError(`dataset "${d.name}" already exists`);
      throw err;
    }
  }

  /** NOT_FOUND unless a live dataset of this tenant has the name. */
  async getDataset(tenant: string, name: string, tx: TransactionSql | Db = this.db): Promise<DatasetRow> {
    const [row] = await tx<DatasetRow[]>`select * from ingestion.datasets where tenant = ${tenant} and name = ${name} and delete_time is null`;
    if (!row) throw new NotFoundError(`dataset "${name}" not found`);
    return row;
  }

  /** Live datasets ordered by name, after `after`, at most `limit`. */
  listDatasets(tenant: string, prefix: string, after: string, limit: number): Promise<DatasetRow[]> {
    const like = prefix.replace(/[\\%_]/g, (c) => '\\' + c) + '%';
    return this.db<DatasetRow[]>`
      select * from ingestion.datasets
      where tenant = ${tenant} and delete_time is null and name like ${like} and name > ${after}
      order by name limit ${limit}`;
  }

  /** Soft delete. NOT_FOUND if there is no such live dataset. */
  async deleteDataset(tenant: string, name: string): Promise<void> {
    const rows = await this.db`update ingestion.datasets set delete_time = now(), update_time = now() where tenant = ${tenant} and name = ${name} and delete_time is null returning id`;
    if (!rows.length) throw new NotFoundError(`dataset "${name}" not found`);
  }

  /** A fresh batch sequence number (rows of one stream carry it). */
  async nextBatchSeq(): Promise<number> {
    const [r] = await this.db<{ seq: number }[]>`select nextval('ingestion.batch_seq')::int8 as seq`;
    return r.seq;
  }

  /** The committed version of a batch id, if any. */
  async versionByBatchId(tenant: string, datasetId: string, batchId: string, tx: TransactionSql | Db = this.db): Promise<VersionRow | undefined> {
    const [row] = await tx<VersionRow[]>`select ${tx.unsafe(VERSION_COLS)} from ingestion.versions where tenant = ${tenant} and dataset_id = ${datasetId} and batch_id = ${batchId}`;
    return row;
  }

  /** Locks the dataset row until the transaction ends; returns its latest version and row count. */
  async lockDataset(tx: TransactionSql, tenant: string, datasetId: string): Promise<{ latest_version: number; row_count: number }> {
    const [row] = await tx<{ latest_version: number; row_count: number }[]>`
      select latest_version, row_count from ingestion.datasets where tenant = ${tenant} and id = ${datasetId} and delete_time is null for update`;
    if (!row) throw new NotFoundError('dataset not found');
    return row;
  }

  /** A version's merged statistics. NOT_FOUND if the version does not exist. */
  async statistics(tenant: string, datasetId: string, version: number, tx: TransactionSql | Db = this.db): Promise<StatsState> {
    const [row] = await tx<{ statistics: StatsState }[]>`select statistics from ingestion.versions where tenant = ${tenant} and dataset_id = ${datasetId} and version = ${version}`;
    if (!row) throw new NotFoundError(`version ${version} not found`);
    return row.statistics;
  }

  /** Records a committed version and advances the dataset (inside the committing transaction). */
  async insertVersion(tx: TransactionSql, tenant: string, datasetId: string, v: Omit<VersionRow, 'create_time'>, stats: StatsState): Promise<VersionRow> {
    const [row] = await tx<VersionRow[]>`
      insert into ingestion.versions (tenant, dataset_id, version, batch_seq, batch_id, content_sha256, row_count, batch_rows, quarantined_rows, statistics)
      values (${tenant}, ${datasetId}, ${v.version}, ${v.batch_seq}, ${v.batch_id}, ${v.content_sha256}, ${v.row_count}, ${v.batch_rows}, ${v.quarantined_rows}, ${tx.json(stats as never)})
      returning ${tx.unsafe(VERSION_COLS)}`;
    await tx`update ingestion.datasets set latest_version = ${v.version}, row_count = ${v.row_count}, update_time = now() where tenant = ${tenant} and id = ${datasetId}`;
    return row;
  }

  /** Stores quarantined rows of a version (inside the committing transaction). */
  async insertQuarantine(tx: TransactionSql, tenant: string, datasetId: string, version: number, batchId: string, rows: { row: number; line: number; column: string; reason: string; raw: string }[]): Promise<void> {
    for (let i = 0; i < rows.length; i += 1000) {
      const part = rows.slice(i, i + 1000).map((r) => ({ tenant, dataset_id: datasetId, version, batch_id: batchId, row_no: r.row, line: r.line, column_name: r.column, reason: r.reason, raw_json: r.raw }));
      await tx`insert into ingestion.quarantine ${tx(part)}`;
    }
  }

  /** Versions in order, after `after`, at most `limit`. */
  listVersions(tenant: string, datasetId: string, after: number, limit: number): Promise<VersionRow[]> {
    return this.db<VersionRow[]>`
      select ${this.db.unsafe(VERSION_COLS)} from ingestion.versions
      where tenant = ${tenant} and dataset_id = ${datasetId} and version > ${after} order by version limit ${limit}`;
  }

  /** The batch sequence numbers whose rows make up `version` (versions 1..version). */
  async batchSeqs(tenant: string, datasetId: string, version: number, tx: TransactionSql | Db = this.db): Promise<number[]> {
    const rows = await tx<{ batch_seq: number }[]>`
      select batch_seq from ingestion.versions where tenant = ${tenant} and dataset_id = ${datasetId} and version <= ${version} order by version`;
    return rows.map((r) => r.batch_seq);
  }

  /** Quarantined rows (of one version, or all when version is 0) after id `after`. */
  listQuarantine(tenant: string, datasetId: string, version: number, after: number, limit: number): Promise<QuarantineRow[]> {
    return this.db<QuarantineRow[]>`
      select id, version, batch_id, row_no, line, column_name, reason, raw_json from ingestion.quarantine
      where tenant = ${tenant} and dataset_id = ${datasetId} and (${version}::int8 = 0 or version = ${version}) and id > ${after}
      order by id limit ${limit}`;
  }
}
