import { ingestion } from '@cityml/proto';
import type { AsyncService } from '@cityml/runtime';
import { Datasets, toDatasetProto } from './datasets';
import { inferSchema } from './infer';
import { Ingestor } from './ingest';
import { Reads } from './reads';
import { decodeIngestRowsRequest, type WireIngestRowsRequest } from './rows/wire';
import type { IngestionStore } from './store';

/**
 * The service definition served: the generated one, with IngestRows' request decoder
 * replaced by {@link decodeIngestRowsRequest} (typed arrays instead of per-value pushes).
 * Same path and wire format, so every client works unchanged.
 */
export const ingestionDefinition = {
  ...ingestion.IngestionServiceService,
  ingestRows: {
    ...ingestion.IngestionServiceService.ingestRows,
    requestDeserialize: (value: Buffer): WireIngestRowsRequest => decodeIngestRowsRequest(value),
    requestSerialize: (): Buffer => {
      throw new Error('server-side definition: requests are not serialized here');
    },
  },
};

/** Thin handlers: decode, call the domain, encode. */
export function ingestionHandlers(store: IngestionStore) {
  const datasets = new Datasets(store);
  const ingestor = new Ingestor(store);
  const reads = new Reads(store);
  return {
    async createDataset(req, ctx) {
      return { dataset: await datasets.create(ctx.principal.tenant, req) };
    },
    async getDataset(req, ctx) {
      return { dataset: toDatasetProto(await datasets.get(ctx.principal.tenant, req.name)) };
    },
    async listDatasets(req, ctx) {
      return datasets.list(ctx.principal.tenant, req);
    },
    async deleteDataset(req, ctx) {
      await datasets.delete(ctx.principal.tenant, req.name);
      return {};
    },
    async inferSchema(req) {
      return inferSchema(req);
    },
    async ingestRows(requests, ctx) {
      return ingestor.ingest(requests, ctx.principal.tenant, ctx.signal);
    },
    async *readRows(req, ctx) {
      const d = await datasets.get(ctx.principal.tenant, req.dataset, 'dataset');
      yield* reads.readRows(d, req, ctx.principal.tenant, ctx.signal);
    },
    async listVersions(req, ctx) {
      return reads.listVersions(await datasets.get(ctx.principal.tenant, req.dataset, 'dataset'), req, ctx.principal.tenant);
    },
    async getStatistics(req, ctx) {
      return reads.statistics(await datasets.get(ctx.principal.tenant, req.dataset, 'dataset'), req.version, ctx.principal.tenant);
    },
    async compareVersions(req, ctx) {
      return reads.compare(await datasets.get(ctx.principal.tenant, req.dataset, 'dataset'), req, ctx.principal.tenant);
    },
    async listQuarantine(req, ctx) {
      return reads.quarantine(await datasets.get(ctx.principal.tenant, req.dataset, 'dataset'), req, ctx.principal.tenant);
    },
  } satisfies AsyncService<typeof ingestionDefinition>;
}
