import type { ServiceModule } from '@cityml/runtime';
import { ingestion } from '@cityml/proto';
import init from './migrations/001_init.sql';

/** The ingestion service: its migrations and factory (RPCs not implemented yet answer UNIMPLEMENTED). */
export const ingestionModule: ServiceModule = {
  name: 'ingestion',
  migrations: [{ schema: 'ingestion', migrations: [{ name: '001_init', sql: init }] }],
  create: () => ({
    fullName: 'cityml.ingestion.v1.IngestionService',
    definition: ingestion.IngestionServiceService,
    implementation: {},
  }),
};
