import { status } from '@grpc/grpc-js';
import type { ColumnType } from '@cityml/ml';
import { common, ingestion } from '@cityml/proto';
import { FailedPreconditionError, InvalidArgumentError, NotFoundError, UnavailableError, type PeerConnection } from '@cityml/runtime';
import { CityML, CityMLClientError, serverStream, unary } from '@cityml/sdk';
import { mlColumnType } from './rows';
import type { DatasetSchema } from './spec-mapping';

/** A dataset version as preprocessing sees it. */
export interface DatasetInfo {
  id: string;
  name: string;
  schema: DatasetSchema;
  /** The resolved version (never 0). */
  version: number;
  /** Rows in that version. */
  rowCount: number;
}

const deadline = (ms: number) => ({ deadline: new Date(Date.now() + ms) });

/** Maps an ingestion error to this service's errors (its message is safe: ingestion wrote it for callers). */
function fromIngestion(err: unknown): unknown {
  if (!(err instanceof CityMLClientError)) return err;
  const details = err.details.map((d) => ({ ...d }));
  switch (err.code) {
    case status.NOT_FOUND:
      return new NotFoundError(err.message, details);
    case status.INVALID_ARGUMENT:
      return new InvalidArgumentError(err.message, details);
    case status.FAILED_PRECONDITION:
      return new FailedPreconditionError(err.message, details);
    default:
      return new UnavailableError(`ingestion: ${err.codeName}: ${err.message}`);
  }
}

/** The schema of a dataset in libs/ml terms. */
export function datasetSchema(schema: common.Schema | undefined): DatasetSchema {
  const types: Record<string, ColumnType> = {};
  for (const c of schema?.columns ?? []) {
    const t = mlColumnType(c.type);
    if (t) types[c.name] = t;
  }
  return { types, ...(schema?.timeColumn ? { timeColumn: schema.timeColumn } : {}), ...(schema?.timeZone ? { timeZone: schema.timeZone } : {}) };
}

/**
 * Reads datasets through ingestion's public API (GetDataset, ListVersions, ReadRows), acting
 * for the tenant that owns the feature set. One SDK client per tenant, made on first use.
 */
export class Datasets {
  private readonly clients = new Map<string, CityML>();

  constructor(private readonly peer: () => PeerConnection) {}

  private raw(tenant: string): ingestion.IngestionServiceClient {
    let c = this.clients.get(tenant);
    if (!c) {
      c = new CityML({ ...this.peer(), actForTenant: tenant });
      this.clients.set(tenant, c);
    }
    return c.ingestion.raw;
  }

  /**
   * The dataset and the row count of `version` (0 = latest).
   * @throws NotFoundError for an unknown dataset or version; FailedPreconditionError when
   * the dataset has no version yet; UnavailableError when ingestion cannot be reached.
   */
  async get(tenant: string, name: string, version: number): Promise<DatasetInfo> {
    if (!name) throw InvalidArgumentError.field('dataset', 'a dataset name is required');
    const client = this.raw(tenant);
    try {
      const res = await unary(client.getDataset.bind(client), { name }, deadline(15_000));
      const ds = res.dataset as ingestion.Dataset;
      if (!ds.latestVersion) throw new FailedPreconditionError(`dataset ${name} has no version yet: ingest rows first`);
      if (version < 0 || version > ds.latestVersion) throw new NotFoundError(`dataset ${name} has no version ${version} (latest is ${ds.latestVersion})`);
      const v = version || ds.latestVersion;
      const rowCount = v === ds.latestVersion ? ds.rowCount : await this.versionRows(client, name, v);
      return { id: ds.id, name: ds.name, schema: datasetSchema(ds.schema), version: v, rowCount };
    } catch (err) {
      throw fromIngestion(err);
    }
  }

  private async versionRows(client: ingestion.IngestionServiceClient, name: string, version: number): Promise<number> {
    let pageToken = '';
    do {
      const res = await unary(client.listVersions.bind(client), { dataset: name, pageSize: 1000, pageToken }, deadline(15_000));
      const hit = res.versions.find((v) => v.version === version);
      if (hit) return hit.rowCount;
      pageToken = res.nextPageToken;
    } while (pageToken);
    return 0;
  }

  /**
   * Streams the rows of one version (only `columns`, all when empty), batch by batch.
   * Stops reading when `signal` aborts.
   */
  async *read(tenant: string, name: string, version: number, columns: string[], signal?: AbortSignal, batchSize = 32_768): AsyncIterable<common.RowBatch> {
    const client = this.raw(tenant);
    const call = client.readRows({ dataset: name, version, columns, batchSize, startTime: undefined, endTime: undefined });
    const onAbort = () => call.cancel();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      for await (const res of serverStream(call)) {
        if (signal?.aborted) break;
        if (res.rows) yield res.rows;
      }
    } catch (err) {
      if (signal?.aborted) return;
      throw fromIngestion(err);
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Closes every channel. */
  close(): void {
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
  }
}
