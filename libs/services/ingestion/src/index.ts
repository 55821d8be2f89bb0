import type { ServiceModule, ServiceRegistration } from '@cityml/runtime';
import { ingestionDefinition, ingestionHandlers } from './handlers';
import init from './migrations/001_init.sql';
import { IngestionStore } from './store';

export { decodeIngestRowsRequest } from './rows/wire';
export { KLL_RANK_ERROR } from './stats/kll';

/** The ingestion service: typed datasets, streaming ingest into immutable versions, reads, statistics. */
export const ingestionModule: ServiceModule = {
  name: 'ingestion',
  migrations: [{ schema: 'ingestion', migrations: [{ name: '001_init', sql: init }] }],
  create: (deps) => ({
    fullName: 'cityml.ingestion.v1.IngestionService',
    definition: ingestionDefinition,
    // The handlers are checked against ingestionDefinition in handlers.ts.
    implementation: ingestionHandlers(new IngestionStore(deps.db)) as unknown as ServiceRegistration['implementation'],
  }),
};
