import { BindError, ConfigError, createLogger, loadConfig, type Config, type Logger } from '@cityml/runtime';
import { startPlatform, type Platform } from './host';

/** Stops `platform` on SIGTERM/SIGINT, then exits 0 (or 1 if the drain failed). */
export function stopOnSignals(platform: Platform, log: Logger): void {
  const stop = (signal: string) => {
    platform.stop(signal).then(
      () => process.exit(0),
      (err) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

/** Prints a one-line error for a bad config or a busy port and exits non-zero. */
export function exitOnStartError(err: unknown): never {
  if (err instanceof ConfigError || err instanceof BindError) {
    process.stderr.write(`cityml: ${err.message}\n`);
  } else {
    process.stderr.write(`cityml: failed to start: ${(err as Error)?.message ?? String(err)}\n`);
  }
  process.exit(1);
}

/** Entry point of a service app: config from the environment, then serve until a signal. */
export async function runServiceMain(overrides: Partial<Config>): Promise<void> {
  let config: Config;
  try {
    config = loadConfig(process.env, overrides);
  } catch (err) {
    exitOnStartError(err);
  }
  const log = createLogger({ level: config.logLevel, name: `cityml-${config.services.join('+')}` });
  try {
    const platform = await startPlatform(config, log);
    log.info({ address: platform.address, services: config.services }, 'serving');
    stopOnSignals(platform, log);
  } catch (err) {
    exitOnStartError(err);
  }
}
