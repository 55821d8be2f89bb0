import type { ServiceModule } from '@cityml/runtime';
import { inference } from '@cityml/proto';
import init from './migrations/001_init.sql';

/** The inference service: its migrations and factory (RPCs not implemented yet answer UNIMPLEMENTED). */
export const inferenceModule: ServiceModule = {
  name: 'inference',
  migrations: [{ schema: 'inference', migrations: [{ name: '001_init', sql: init }] }],
  create: () => ({
    fullName: 'cityml.inference.v1.InferenceService',
    definition: inference.InferenceServiceService,
    implementation: {},
  }),
};
