import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { AuthStore, bootstrapAdminKey } from '@cityml/admin';
import { exitOnStartError, startPlatform, stopOnSignals, type Platform } from '@cityml/platform';
import { SERVICE_NAMES, createLogger, hashApiKey, loadConfig, type Config } from '@cityml/runtime';
import { clientConfigPath, type ClientConfig } from '../connection';

interface UpFlags {
  port: string;
  host: string;
  dataDir: string;
  json?: boolean;
  insecure?: boolean;
}

/**
 * Local mode's admin key: `<data-dir>/admin.key` (mode 0600) when it still works, else a
 * new platform-admin key of tenant `default` (created with the tenant on first start).
 */
async function ensureAdminKey(platform: Platform, dataDir: string): Promise<{ file: string; created: boolean }> {
  const file = join(dataDir, 'admin.key');
  const store = new AuthStore(platform.database.db);
  if (existsSync(file)) {
    const key = readFileSync(file, 'utf8').trim();
    if (key && (await store.keyIsValid(hashApiKey(key)))) {
      chmodSync(file, 0o600);
      return { file, created: false };
    }
  }
  const issued = await bootstrapAdminKey(store, 'default');
  writeFileSync(file, issued.key + '\n', { mode: 0o600 });
  chmodSync(file, 0o600);
  return { file, created: true };
}

/** `cityml up`: all five services on one port, embedded Postgres unless DATABASE_URL is set. */
export function registerUp(program: Command): void {
  program
    .command('up')
    .description('run the whole platform in this process (all five services on one port; embedded Postgres unless DATABASE_URL is set)')
    .option('--port <port>', 'gRPC port', process.env.CITYML_PORT ?? '50051')
    .option('--host <host>', 'address to listen on', process.env.CITYML_HOST ?? '127.0.0.1')
    .option('--data-dir <dir>', 'data directory (embedded Postgres, client config)', process.env.CITYML_DATA_DIR ?? '.cityml')
    .option('--json', 'log JSON lines instead of pretty output')
    .option('--insecure', 'run WITHOUT authentication: every call acts as an admin of tenant "default" (local experiments only)')
    .action(async (flags: UpFlags) => {
      let config: Config;
      try {
        config = loadConfig({
          CITYML_METRICS_PORT: '0',
          CITYML_HTTP_PORT: '0',
          ...process.env,
          CITYML_SERVICES: SERVICE_NAMES.join(','),
          CITYML_PORT: flags.port,
          CITYML_HOST: flags.host,
          CITYML_DATA_DIR: resolve(flags.dataDir),
          ...(flags.insecure ? { CITYML_AUTH: 'off' } : {}),
        });
      } catch (err) {
        exitOnStartError(err);
      }
      mkdirSync(config.dataDir, { recursive: true });
      const log = createLogger({ level: config.logLevel, pretty: flags.json ? false : undefined });
      try {
        const t0 = Date.now();
        if (!config.auth) process.stderr.write('cityml: WARNING: authentication is OFF (--insecure): anyone who can reach the port is an admin of tenant "default"\n');
        const platform = await startPlatform(config, log);
        const admin = config.auth ? await ensureAdminKey(platform, config.dataDir) : undefined;
        const client: ClientConfig = admin ? { address: platform.address, apiKeyFile: admin.file } : { address: platform.address };
        writeFileSync(clientConfigPath(config.dataDir), JSON.stringify(client, null, 2) + '\n');
        process.stdout.write(
          `CityML is up at ${platform.address} (${config.services.join(', ')}) in ${Date.now() - t0} ms\n` +
            `  database: ${platform.database.embedded ? 'embedded Postgres in ' + config.dataDir : 'DATABASE_URL'}\n` +
            (platform.server.metricsPort ? `  metrics:  http://${config.host}:${platform.server.metricsPort}/metrics\n` : '') +
            `  client config: ${clientConfigPath(config.dataDir)}\n` +
            (admin
              ? `  auth:     on; ${admin.created ? 'created tenant "default" and an admin key' : 'admin key'} in ${admin.file} (readable only by you)\n` +
                `            the cityml CLI uses it from the client config; other clients send "authorization: Bearer $(cat ${admin.file})"\n` +
                `            or set CITYML_API_KEY. More tenants and keys: cityml admin tenants create NAME; cityml admin keys create --tenant NAME --role reader\n`
              : `  auth:     OFF (--insecure)\n`) +
            `Press Ctrl-C to stop.\n`,
        );
        stopOnSignals(platform, log);
      } catch (err) {
        exitOnStartError(err);
      }
    });
}
