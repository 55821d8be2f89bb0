import { createTestDatabase } from '@cityml/db/testing';
import { createLogger, loadConfig, type Config, type ServiceName } from '@cityml/runtime';
import { CityML } from '@cityml/sdk';
import { openDatabase, startPlatform, type Platform } from './host';

/** A platform started for a test, on a fresh database, with a connected client. */
export interface TestPlatform {
  platform: Platform;
  address: string;
  databaseUrl: string;
  client: CityML;
  stop(): Promise<void>;
}

/**
 * Test helper: hosts `services` (default all) on a free port over a fresh database in the
 * test cluster, as `cityml up` would. Real gRPC over a socket, real Postgres.
 */
export async function startTestPlatform(options: { services?: ServiceName[]; env?: Record<string, string>; config?: Partial<Config> } = {}): Promise<TestPlatform> {
  const database = await createTestDatabase();
  const config = loadConfig(
    { CITYML_HOST: '127.0.0.1', CITYML_PORT: '0', CITYML_METRICS_PORT: '0', CITYML_HTTP_PORT: '0', DATABASE_URL: database.url, CITYML_LOG_LEVEL: process.env.CITYML_TEST_LOG_LEVEL ?? 'silent', ...options.env },
    { ...(options.services ? { services: options.services } : {}), ...options.config },
  );
  const log = createLogger({ level: config.logLevel, pretty: false });
  const opened = await openDatabase(config, log, 'cityml-test');
  const platform = await startPlatform(config, log, opened);
  const client = new CityML({ address: platform.address });
  return {
    platform,
    address: platform.address,
    databaseUrl: database.url,
    client,
    async stop() {
      client.close();
      await platform.stop('test done');
      await opened.close();
      await database.drop();
    },
  };
}
