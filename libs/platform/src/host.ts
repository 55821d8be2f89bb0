import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { adminModule, AuthStore } from '@cityml/admin';
import { artifactMigrations, createDb, migrate, PostgresArtifactStore, queueMigrations, startEmbeddedPostgres, type Db } from '@cityml/db';
import { ingestionModule } from '@cityml/ingestion';
import { inferenceModule } from '@cityml/inference';
import { preprocessingModule } from '@cityml/preprocessing';
import { FILE_DESCRIPTOR_SET_BASE64 } from '@cityml/proto';
import { registryModule } from '@cityml/registry';
import { createApiKeyAuthenticator, guardCalls, localAuthenticator, RateLimiter, startServer, type ApiKeyAuthenticator, type Config, type Logger, type RunningServer, type ServiceModule, type ServiceName, type ServiceRegistration } from '@cityml/runtime';
import { trainingModule } from '@cityml/training';

/** Every service this build can host, by name. */
export const SERVICE_MODULES: Record<ServiceName, ServiceModule> = {
  ingestion: ingestionModule,
  preprocessing: preprocessingModule,
  training: trainingModule,
  registry: registryModule,
  inference: inferenceModule,
};

/** The database a process uses: DATABASE_URL, or an embedded Postgres under the data directory. */
export interface OpenedDatabase {
  url: string;
  db: Db;
  embedded: boolean;
  close(): Promise<void>;
}

/** Opens DATABASE_URL, or starts the embedded Postgres kept in `<dataDir>/postgres`. */
export async function openDatabase(config: Pick<Config, 'databaseUrl' | 'dataDir'>, log: Logger, name = 'cityml'): Promise<OpenedDatabase> {
  if (config.databaseUrl) {
    const db = createDb(config.databaseUrl, { name });
    return { url: config.databaseUrl, db, embedded: false, close: () => db.end({ timeout: 5 }) };
  }
  const dir = join(config.dataDir, 'postgres');
  mkdirSync(dir, { recursive: true });
  const pg = await startEmbeddedPostgres({ dataDir: dir, onLog: (m) => log.trace({ postgres: String(m) }) });
  log.info({ port: pg.port }, 'embedded Postgres started');
  const db = createDb(pg.url, { name });
  return {
    url: pg.url,
    db,
    embedded: true,
    close: async () => {
      await db.end({ timeout: 5 });
      await pg.stop();
    },
  };
}

/** Applies the migrations of the artifact store, the job queue, the admin service (`auth`: tenants, keys) and the given services. */
export async function migrateAll(db: Db, services: ServiceName[] = Object.keys(SERVICE_MODULES) as ServiceName[]): Promise<string[]> {
  return migrate(db, [artifactMigrations, queueMigrations, ...adminModule.migrations, ...services.flatMap((s) => SERVICE_MODULES[s].migrations)]);
}

/** A running process hosting some CityML services. */
export interface Platform {
  server: RunningServer;
  database: OpenedDatabase;
  /** Where clients reach this process, e.g. "127.0.0.1:50051". */
  address: string;
  /** The platform service identity's key peers use (CITYML_SERVICE_KEY, or one made at start); undefined with auth off. */
  serviceKey?: string;
  /** The key check and its cache (undefined with auth off). */
  authenticator?: ApiKeyAuthenticator;
  /** Every gRPC service this process hosts. */
  registrations: ServiceRegistration[];
  stop(reason?: string): Promise<void>;
}

/**
 * Opens the database, migrates (unless turned off), builds the configured services and
 * serves them on one port, with the admin service next to them. With auth on (the
 * default) every call needs an API key; peers call with the service key
 * (CITYML_SERVICE_KEY, or a random one made here when unset: enough when this process
 * hosts every peer it calls). Peers not hosted here are reached at their configured address.
 */
export async function startPlatform(config: Config, log: Logger, database?: OpenedDatabase): Promise<Platform> {
  const opened = database ?? (await openDatabase(config, log));
  try {
    if (config.migrate) {
      const applied = await migrateAll(opened.db, config.services);
      if (applied.length) log.info({ applied }, 'migrations applied');
    }
    const artifacts = new PostgresArtifactStore(opened.db);
    const serviceKey = config.auth ? (config.serviceKey ?? `cml_svc_${randomBytes(32).toString('base64url')}`) : undefined;
    if (config.auth && !config.serviceKey && Object.values(config.addresses).some(Boolean)) {
      log.warn('CITYML_SERVICE_KEY is not set: calls to peers in other processes will be refused');
    }
    const authenticator: ApiKeyAuthenticator | undefined = config.auth ? await createApiKeyAuthenticator({ directory: new AuthStore(opened.db), serviceKey }) : undefined;
    const rateLimiter = authenticator ? new RateLimiter(config.rateLimit) : undefined;
    const authenticate = guardCalls(authenticator?.authenticate ?? localAuthenticator, rateLimiter);
    let selfPort = config.port;
    const selfHost = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
    const peer = (service: ServiceName) => ({
      address: config.addresses[service] ?? `${selfHost}:${selfPort}`,
      apiKey: serviceKey,
      tls: config.tls ? { caFile: config.tls.caFile, certFile: config.tls.certFile, keyFile: config.tls.keyFile } : undefined,
    });
    const created = await Promise.all(
      config.services.map((s) => SERVICE_MODULES[s].create({ config, db: opened.db, log: log.child({ service: s }), artifacts, peer, authenticate })),
    );
    // A module may host more than one gRPC service (inference also serves the Open Inference Protocol).
    const registrations = created.flatMap((r) => [r, ...(r.extra ?? [])]);
    registrations.push(adminModule.create({ db: opened.db, onKeyChanged: (hex) => authenticator?.invalidate(hex) }));
    const server = await startServer({
      config,
      log,
      services: registrations,
      authenticate: authenticator?.authenticate,
      rateLimiter,
      descriptorSetBase64: FILE_DESCRIPTOR_SET_BASE64,
      // Closing our own pool also ends the key-change listener; a borrowed pool keeps running, so unlisten.
      onClosed: async () => (database ? await authenticator?.close().catch(() => undefined) : await opened.close()),
    }).catch(async (err) => {
      for (const r of registrations) await r.close?.().catch(() => undefined);
      await authenticator?.close().catch(() => undefined);
      throw err;
    });
    selfPort = server.port;
    return { server, database: opened, address: `${selfHost}:${server.port}`, serviceKey, authenticator, registrations, stop: (reason) => server.shutdown(reason) };
  } catch (err) {
    if (!database) await opened.close().catch(() => undefined);
    throw err;
  }
}
