import { randomBytes } from 'node:crypto';
import { AuthStore, bootstrapAdminKey, issueApiKey } from '@cityml/admin';
import { createTestDatabase } from '@cityml/db/testing';
import { createLogger, loadConfig, type Config, type Role, type ServiceName } from '@cityml/runtime';
import { CityML, type ConnectionOptions } from '@cityml/sdk';
import { openDatabase, startPlatform, type Platform } from './host';

/** A tenant's API key made for a test, with a client that sends it. */
export interface TestKey {
  tenant: string;
  role: Role;
  /** The key id (the principal's subject). */
  id: string;
  /** The secret. */
  apiKey: string;
  client: CityML;
}

/** A platform started for a test, on a fresh database, with a connected client. */
export interface TestPlatform {
  platform: Platform;
  address: string;
  databaseUrl: string;
  /** A client with an admin key (also a platform administrator) of tenant {@link tenant}. */
  client: CityML;
  /** The tenant of {@link client}: "default". */
  tenant: string;
  /** The API key {@link client} sends. */
  apiKey: string;
  /** The platform service identity's key (undefined with auth off). */
  serviceKey?: string;
  /** Creates a tenant (a random name like "t-1a2b3c4d" when none is given) and returns its name. */
  createTenant(name?: string): Promise<string>;
  /** Creates a key of an existing tenant (default: role admin) and a client that uses it. */
  createKey(options: { tenant: string; role?: Role; expiresAt?: Date; platformAdmin?: boolean }): Promise<TestKey>;
  /** Creates a new tenant and a key of it (default role admin): the usual start of an isolation test. */
  newTenant(options?: { name?: string; role?: Role }): Promise<TestKey>;
  /** Another client of this platform (closed by stop()), e.g. `clientWith({ apiKey: undefined })`. */
  clientWith(options: Partial<ConnectionOptions>): CityML;
  stop(): Promise<void>;
}

/**
 * Test helper: hosts `services` (default all) on a free port over a fresh database in the
 * test cluster, as `cityml up` would. Real gRPC over a socket, real Postgres. Auth is on
 * (unless `env.CITYML_AUTH` is "off"): tenant "default" and an admin key exist, and
 * `client` sends that key. The per-key rate limit is off unless `env` sets it.
 */
export async function startTestPlatform(options: { services?: ServiceName[]; env?: Record<string, string>; config?: Partial<Config> } = {}): Promise<TestPlatform> {
  const database = await createTestDatabase();
  const config = loadConfig(
    {
      CITYML_HOST: '127.0.0.1',
      CITYML_PORT: '0',
      CITYML_METRICS_PORT: '0',
      CITYML_HTTP_PORT: '0',
      CITYML_RATE_LIMIT_RPS: '0',
      DATABASE_URL: database.url,
      CITYML_LOG_LEVEL: process.env.CITYML_TEST_LOG_LEVEL ?? 'silent',
      ...options.env,
    },
    { ...(options.services ? { services: options.services } : {}), ...options.config },
  );
  const log = createLogger({ level: config.logLevel, pretty: false });
  const opened = await openDatabase(config, log, 'cityml-test');
  const platform = await startPlatform(config, log, opened);
  const store = new AuthStore(opened.db);
  const admin = await bootstrapAdminKey(store, 'default');
  const clients: CityML[] = [];
  const clientWith = (o: Partial<ConnectionOptions>) => {
    const c = new CityML({ address: platform.address, apiKey: admin.key, ...o });
    clients.push(c);
    return c;
  };
  const client = clientWith({});
  const createKey: TestPlatform['createKey'] = async ({ tenant, role = 'admin', expiresAt, platformAdmin }) => {
    const k = await issueApiKey(store, { tenant, role, expiresAt, platformAdmin, description: 'test key', createdBy: 'test' });
    return { tenant, role, id: k.row.id, apiKey: k.key, client: clientWith({ apiKey: k.key }) };
  };
  const createTenant = async (name = `t-${randomBytes(4).toString('hex')}`) => {
    await store.createTenant(name);
    return name;
  };
  return {
    platform,
    address: platform.address,
    databaseUrl: database.url,
    client,
    tenant: 'default',
    apiKey: admin.key,
    serviceKey: platform.serviceKey,
    createTenant,
    createKey,
    newTenant: async (o = {}) => createKey({ tenant: await createTenant(o.name), role: o.role }),
    clientWith,
    async stop() {
      for (const c of clients) c.close();
      await platform.stop('test done');
      await opened.close();
      await database.drop();
    },
  };
}
