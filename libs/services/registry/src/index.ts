import type { ServiceModule } from '@cityml/runtime';
import { registry } from '@cityml/proto';
import init from './migrations/001_init.sql';

/** The registry service: its migrations and factory (RPCs not implemented yet answer UNIMPLEMENTED). */
export const registryModule: ServiceModule = {
  name: 'registry',
  migrations: [{ schema: 'registry', migrations: [{ name: '001_init', sql: init }] }],
  create: () => ({
    fullName: 'cityml.registry.v1.RegistryService',
    definition: registry.RegistryServiceService,
    implementation: {},
  }),
};
