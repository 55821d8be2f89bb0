import type { Command } from 'commander';
import { createDb } from '@cityml/db';
import { exitOnStartError, migrateAll, runServiceMain } from '@cityml/platform';
import { SERVICE_NAMES, loadConfig, type ServiceName } from '@cityml/runtime';
import { UsageError, fail } from '../output';

/** `cityml serve [service...]` and `cityml migrate`: what the container image runs. */
export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('serve the given services (default: CITYML_SERVICES, else all), configured by environment')
    .argument('[services...]', `any of ${SERVICE_NAMES.join(', ')}`)
    .action(async (services: string[]) => {
      const bad = services.find((s) => !(SERVICE_NAMES as readonly string[]).includes(s));
      if (bad) fail(new UsageError(`unknown service "${bad}" (expected one of ${SERVICE_NAMES.join(', ')})`));
      await runServiceMain(services.length ? { services: services as ServiceName[] } : {});
    });

  program
    .command('migrate')
    .description('apply every pending database migration (DATABASE_URL) and exit')
    .action(async () => {
      try {
        const config = loadConfig(process.env);
        if (!config.databaseUrl) throw new UsageError('DATABASE_URL must be set for cityml migrate');
        const db = createDb(config.databaseUrl, { name: 'cityml-migrate' });
        const applied = await migrateAll(db);
        await db.end();
        process.stdout.write(applied.length ? `applied ${applied.length} migrations:\n  ${applied.join('\n  ')}\n` : 'database is up to date\n');
      } catch (err) {
        if (err instanceof UsageError) fail(err);
        exitOnStartError(err);
      }
    });
}
