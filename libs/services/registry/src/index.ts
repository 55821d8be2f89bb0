import { registry } from '@cityml/proto';
import type { ServiceModule } from '@cityml/runtime';
import { registryHandlers } from './handlers';
import init from './migrations/001_init.sql';
import { EventHub } from './watch';

/**
 * The registry service: registered models, numbered versions with their bundle
 * artifacts, aliases with history, search, artifact streaming, model import and
 * change events (WatchModels, across replicas through LISTEN/NOTIFY).
 */
export const registryModule: ServiceModule = {
  name: 'registry',
  migrations: [{ schema: 'registry', migrations: [{ name: '001_init', sql: init }] }],
  create: (deps) => {
    const hub = new EventHub(deps.db, deps.log);
    return {
      fullName: 'cityml.registry.v1.RegistryService',
      definition: registry.RegistryServiceService,
      implementation: registryHandlers({ db: deps.db, artifacts: deps.artifacts, hub }),
      close: () => hub.close(),
    };
  },
};
