import type { ServiceModule } from '@cityml/runtime';
import { preprocessing } from '@cityml/proto';
import init from './migrations/001_init.sql';

/** The preprocessing service: its migrations and factory (RPCs not implemented yet answer UNIMPLEMENTED). */
export const preprocessingModule: ServiceModule = {
  name: 'preprocessing',
  migrations: [{ schema: 'preprocessing', migrations: [{ name: '001_init', sql: init }] }],
  create: () => ({
    fullName: 'cityml.preprocessing.v1.PreprocessingService',
    definition: preprocessing.PreprocessingServiceService,
    implementation: {},
  }),
};
