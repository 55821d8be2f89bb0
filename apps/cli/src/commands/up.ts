import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { exitOnStartError, startPlatform, stopOnSignals } from '@cityml/platform';
import { SERVICE_NAMES, createLogger, loadConfig, type Config } from '@cityml/runtime';
import { clientConfigPath, type ClientConfig } from '../connection';

interface UpFlags {
  port: string;
  host: string;
  dataDir: string;
  json?: boolean;
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
    .action(async (flags: UpFlags) => {
      let config: Config;
      try {
        config = loadConfig(
          { CITYML_METRICS_PORT: '0', CITYML_HTTP_PORT: '0', ...process.env, CITYML_SERVICES: SERVICE_NAMES.join(','), CITYML_PORT: flags.port, CITYML_HOST: flags.host, CITYML_DATA_DIR: resolve(flags.dataDir) },
        );
      } catch (err) {
        exitOnStartError(err);
      }
      mkdirSync(config.dataDir, { recursive: true });
      const log = createLogger({ level: config.logLevel, pretty: flags.json ? false : undefined });
      try {
        const t0 = Date.now();
        const platform = await startPlatform(config, log);
        const client: ClientConfig = { address: platform.address };
        writeFileSync(clientConfigPath(config.dataDir), JSON.stringify(client, null, 2) + '\n');
        process.stdout.write(
          `CityML is up at ${platform.address} (${config.services.join(', ')}) in ${Date.now() - t0} ms\n` +
            `  database: ${platform.database.embedded ? 'embedded Postgres in ' + config.dataDir : 'DATABASE_URL'}\n` +
            (platform.server.metricsPort ? `  metrics:  http://${config.host}:${platform.server.metricsPort}/metrics\n` : '') +
            `  client config: ${clientConfigPath(config.dataDir)}\n` +
            `Press Ctrl-C to stop.\n`,
        );
        stopOnSignals(platform, log);
      } catch (err) {
        exitOnStartError(err);
      }
    });
}
