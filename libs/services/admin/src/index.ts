import { admin } from '@cityml/proto';
import type { ServiceDeps, ServiceModule, ServiceRegistration } from '@cityml/runtime';
import { adminHandlers } from './handlers';
import init from './migrations/001_init.sql';
import notifyKind from './migrations/002_notify_kind.sql';
import { AuthStore } from './store';

export * from './store';
export * from './keys';

/** The admin service's module: the `auth` schema (tenants, API keys) and AdminService. */
export interface AdminModule extends Omit<ServiceModule, 'name' | 'create'> {
  name: 'admin';
  /** `onKeyChanged` (a key hash, hex) lets this process drop its cached key check at once. */
  create(deps: Pick<ServiceDeps, 'db'> & { onKeyChanged?: (hashHex: string) => void }): ServiceRegistration;
}

/**
 * The admin service: tenants and API keys. Every CityML process hosts it next to its
 * services (it is small and every process checks keys against the same schema).
 */
export const adminModule: AdminModule = {
  name: 'admin',
  migrations: [
    {
      schema: 'auth',
      migrations: [
        { name: '001_init', sql: init },
        { name: '002_notify_kind', sql: notifyKind },
      ],
    },
  ],
  create: ({ db, onKeyChanged }) => ({
    fullName: 'cityml.admin.v1.AdminService',
    definition: admin.AdminServiceService,
    implementation: adminHandlers(new AuthStore(db), onKeyChanged),
  }),
};
