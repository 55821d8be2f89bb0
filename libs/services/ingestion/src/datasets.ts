import { common, ingestion } from '@cityml/proto';
import { InvalidArgumentError } from '@cityml/runtime';
import { TimeZone } from './rows/values';
import type { DatasetRow, IngestionStore, VersionRow } from './store';

const T = common.ColumnType;
/** Dataset names: lowercase letters, digits, `_` and `-`, starting with a letter, at most 63. */
export const DATASET_NAME = /^[a-z][a-z0-9_-]{0,62}$/;
const MAX_COLUMNS = 1000;
const MAX_PAGE = 1000;
const DEFAULT_PAGE = 100;

/** INVALID_ARGUMENT naming `field` unless `name` is a valid dataset name. */
export function checkDatasetName(name: string, field = 'name'): void {
  if (!name) throw InvalidArgumentError.field(field, 'is required');
  if (!DATASET_NAME.test(name)) throw InvalidArgumentError.field(field, 'must be lowercase letters, digits, "_" or "-", start with a letter, at most 63 characters');
}

/** Validates a declared schema; INVALID_ARGUMENT naming the offending field. */
export function checkSchema(schema: common.Schema | undefined): common.Schema {
  if (!schema || !schema.columns.length) throw InvalidArgumentError.field('schema.columns', 'at least one column is required');
  if (schema.columns.length > MAX_COLUMNS) throw InvalidArgumentError.field('schema.columns', `at most ${MAX_COLUMNS} columns`);
  const seen = new Set<string>();
  schema.columns.forEach((c, i) => {
    const f = `schema.columns[${i}]`;
    if (!c.name) throw InvalidArgumentError.field(`${f}.name`, 'is required');
    if (c.name.length > 128 || /[\u0000-\u001f]/.test(c.name)) throw InvalidArgumentError.field(`${f}.name`, 'at most 128 characters, no control characters');
    if (seen.has(c.name)) throw InvalidArgumentError.field(`${f}.name`, `duplicate column "${c.name}"`);
    seen.add(c.name);
    if (!(c.type >= T.COLUMN_TYPE_NUMBER && c.type <= T.COLUMN_TYPE_TIMESTAMP)) throw InvalidArgumentError.field(`${f}.type`, 'must be NUMBER, INTEGER, BOOLEAN, CATEGORY, TEXT or TIMESTAMP');
  });
  if (schema.timeColumn) {
    const tc = schema.columns.find((c) => c.name === schema.timeColumn);
    if (!tc) throw InvalidArgumentError.field('schema.time_column', `no column named "${schema.timeColumn}"`);
    if (tc.type !== T.COLUMN_TYPE_TIMESTAMP) throw InvalidArgumentError.field('schema.time_column', `column "${schema.timeColumn}" is not a TIMESTAMP`);
  }
  if (schema.timeZone && !TimeZone.isValid(schema.timeZone)) throw InvalidArgumentError.field('schema.time_zone', `unknown IANA time zone "${schema.timeZone}"`);
  return {
    columns: schema.columns.map((c) => ({ name: c.name, type: c.type, nullable: c.nullable, description: c.description })),
    timeColumn: schema.timeColumn,
    timeZone: schema.timeZone,
  };
}

/** The API form of a stored dataset. */
export function toDatasetProto(row: DatasetRow): ingestion.Dataset {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    schema: row.schema,
    latestVersion: row.latest_version,
    rowCount: row.row_count,
    labels: row.labels,
    createTime: row.create_time,
    updateTime: row.update_time,
  };
}

/** The API form of a stored version. */
export function toVersionProto(dataset: string, v: VersionRow): ingestion.DatasetVersion {
  return {
    dataset,
    version: v.version,
    rowCount: v.row_count,
    batchRows: v.batch_rows,
    batchId: v.batch_id,
    quarantinedRows: v.quarantined_rows,
    createTime: v.create_time,
  };
}

/** Opaque page tokens: base64url JSON of the last key returned. */
export function encodeToken(key: string | number): string {
  return Buffer.from(JSON.stringify({ k: key })).toString('base64url');
}

export function decodeToken<K extends string | number>(token: string, fallback: K, field = 'page_token'): K {
  if (!token) return fallback;
  try {
    const k = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')).k;
    if (typeof k === typeof fallback) return k as K;
  } catch {
    // fall through
  }
  throw InvalidArgumentError.field(field, 'is not a token this service issued');
}

/** A page size within 1..1000 (default 100). */
export function pageSize(n: number, field = 'page_size'): number {
  if (n < 0) throw InvalidArgumentError.field(field, 'must not be negative');
  return Math.min(n || DEFAULT_PAGE, MAX_PAGE);
}

/**
 * Dataset CRUD. CreateDataset: INVALID_ARGUMENT (name, schema), ALREADY_EXISTS.
 * GetDataset/DeleteDataset: NOT_FOUND. ListDatasets: INVALID_ARGUMENT (page_token).
 */
export class Datasets {
  constructor(private readonly store: IngestionStore) {}

  async create(tenant: string, req: ingestion.CreateDatasetRequest): Promise<ingestion.Dataset> {
    checkDatasetName(req.name);
    if (req.description.length > 4096) throw InvalidArgumentError.field('description', 'at most 4096 characters');
    const schema = checkSchema(req.schema);
    return toDatasetProto(await this.store.createDataset(tenant, { name: req.name, description: req.description, schema, labels: req.labels }));
  }

  async get(tenant: string, name: string, field = 'name'): Promise<DatasetRow> {
    checkDatasetName(name, field);
    return this.store.getDataset(tenant, name);
  }

  async list(tenant: string, req: ingestion.ListDatasetsRequest): Promise<ingestion.ListDatasetsResponse> {
    const limit = pageSize(req.pageSize);
    const after = decodeToken(req.pageToken, '');
    const rows = await this.store.listDatasets(tenant, req.namePrefix, after, limit + 1);
    const page = rows.slice(0, limit);
    return { datasets: page.map(toDatasetProto), nextPageToken: rows.length > limit ? encodeToken(page[page.length - 1].name) : '' };
  }

  async delete(tenant: string, name: string): Promise<void> {
    checkDatasetName(name, 'name');
    await this.store.deleteDataset(tenant, name);
  }
}
