// Test helper: a live `cityml up` in a child process (auth on), for tests that drive the CLI,
// the examples or the SDK the way a user does.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase } from '@cityml/db/testing';

/** The workspace root. */
export const ROOT = join(__dirname, '../../..');
/** The built `cityml` command (node dist/apps/cli/main.js). */
export const CLI = join(ROOT, 'dist/apps/cli/main.js');

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** A finished process: exit code and output. */
export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node args…` to completion (killed after `timeoutMs`). */
export function run(args: string[], options: { env?: Record<string, string | undefined>; cwd?: string; timeoutMs?: number } = {}): Promise<Finished> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: options.cwd ?? ROOT, env: { PATH: process.env.PATH, HOME: process.env.HOME, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A running `cityml up` (auth on) in a temporary data directory. */
export interface LiveUp {
  address: string;
  dataDir: string;
  /** The admin key `cityml up` wrote to <data-dir>/admin.key. */
  apiKey: string;
  /** Environment for clients: CITYML_ADDRESS, CITYML_API_KEY. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

/**
 * Starts `node dist/apps/cli/main.js up --port <free> --data-dir <tmp>` over a fresh test
 * database (DATABASE_URL, so no embedded initdb per test file) and waits until it is up.
 */
export async function startLiveUp(): Promise<LiveUp> {
  const dataDir = mkdtempSync(join(tmpdir(), 'cityml-live-'));
  chmodSync(dataDir, 0o755);
  const database = await createTestDatabase();
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, [CLI, 'up', '--port', String(port), '--data-dir', dataDir], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: database.url, CITYML_LOG_LEVEL: 'warn', CITYML_RATE_LIMIT_RPS: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const until = Date.now() + 30_000;
  let address: string | undefined;
  while (!address) {
    const m = out.match(/CityML is up at (\S+)/);
    if (m) address = m[1];
    else if (child.exitCode !== null) throw new Error(`cityml up exited ${child.exitCode}: ${err}`);
    else if (Date.now() > until) throw new Error(`cityml up did not start: ${out} ${err}`);
    else await new Promise((r) => setTimeout(r, 50));
  }
  const client = JSON.parse(readFileSync(join(dataDir, 'client.json'), 'utf8')) as { apiKeyFile?: string };
  const apiKey = client.apiKeyFile ? readFileSync(client.apiKeyFile, 'utf8').trim() : '';
  return {
    address,
    dataDir,
    apiKey,
    env: { CITYML_ADDRESS: address, CITYML_API_KEY: apiKey },
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      await database.drop().catch(() => undefined);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
