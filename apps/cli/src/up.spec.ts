import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, chmodSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import { registry } from '@cityml/proto';
import { createTestDatabase } from '@cityml/db/testing';
import { listServices } from '@cityml/runtime/testing';
import { CityML } from '@cityml/sdk';

const root = join(__dirname, '../../..');
const cli = join(root, 'dist/apps/cli/main.js');
const FIVE = ['cityml.inference.v1.InferenceService', 'cityml.ingestion.v1.IngestionService', 'cityml.preprocessing.v1.PreprocessingService', 'cityml.registry.v1.RegistryService', 'cityml.training.v1.TrainingService'];

interface Run {
  child: ChildProcess;
  out: () => string;
  err: () => string;
  exit: Promise<number | null>;
}

function run(args: string[], env: Record<string, string | undefined>): Run {
  const child = spawn(process.execPath, args, { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, out: () => out, err: () => err, exit };
}

async function waitFor(r: Run, pattern: RegExp, ms: number): Promise<RegExpMatchArray> {
  const until = Date.now() + ms;
  for (;;) {
    const m = r.out().match(pattern);
    if (m) return m;
    if (Date.now() > until) throw new Error(`timed out waiting for ${pattern}; stdout: ${r.out()} stderr: ${r.err()}`);
    if (r.child.exitCode !== null) throw new Error(`exited ${r.child.exitCode}: ${r.err()}`);
    await new Promise((res) => setTimeout(res, 50));
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

describe('cityml up', () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'cityml-up-'));
    chmodSync(dataDir, 0o755);
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('hosts all five services on one port with an embedded Postgres, then stops cleanly with exit 0', async () => {
    const port = await freePort();
    const t0 = Date.now();
    const up = run([cli, 'up', '--port', String(port), '--data-dir', dataDir], { CITYML_LOG_LEVEL: 'warn' });
    const [, address] = await waitFor(up, /CityML is up at (\S+)/, 10_000);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(address).toBe(`127.0.0.1:${port}`);
    expect(JSON.parse(readFileSync(join(dataDir, 'client.json'), 'utf8')).address).toBe(address);
    const client = new CityML({ address });
    for (const s of ['', ...FIVE]) await expect(client.health(s)).resolves.toBe('SERVING');
    expect(await listServices(address)).toEqual(expect.arrayContaining(FIVE));
    client.close();
    up.child.kill('SIGTERM');
    expect(await up.exit).toBe(0);
  }, 30_000);

  it('keeps its embedded database across restarts', async () => {
    const port = await freePort();
    const up = run([cli, 'up', '--port', String(port), '--data-dir', dataDir], { CITYML_LOG_LEVEL: 'warn' });
    await waitFor(up, /CityML is up/, 10_000);
    up.child.kill('SIGINT');
    expect(await up.exit).toBe(0);
    expect(up.err()).not.toMatch(/migrations applied/);
  }, 30_000);

  it('exits non-zero with one clear line when its port is already in use', async () => {
    const blocker: Server = createServer().listen(0, '127.0.0.1');
    await new Promise((r) => blocker.once('listening', r));
    const port = (blocker.address() as { port: number }).port;
    const up = run([cli, 'up', '--port', String(port), '--data-dir', dataDir], { CITYML_LOG_LEVEL: 'silent' });
    expect(await up.exit).toBe(1);
    blocker.close();
    const lines = up.err().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`127.0.0.1:${port}.*address already in use`));
  }, 30_000);

  it('exits non-zero with one line naming the variable when a config value is bad', async () => {
    const up = run([cli, 'up', '--data-dir', dataDir], { CITYML_LOG_LEVEL: 'loud' });
    expect(await up.exit).toBe(1);
    expect(up.err().trim().split('\n')).toEqual([expect.stringMatching(/CITYML_LOG_LEVEL/)]);
  });

  it('answers a usage error with exit code 2', async () => {
    const r = run([cli, 'up', '--no-such-flag'], {});
    expect(await r.exit).toBe(2);
  });
});

describe('each service app alone', () => {
  let database: { url: string; drop(): Promise<void> };
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(() => database.drop());

  it.each(['ingestion', 'preprocessing', 'training', 'registry', 'inference'])('serves %s and reports it SERVING', async (service) => {
    const app = run([join(root, `dist/apps/${service}/main.js`)], { DATABASE_URL: database.url, CITYML_HOST: '127.0.0.1', CITYML_PORT: '0', CITYML_METRICS_PORT: '0', CITYML_HTTP_PORT: '0', CITYML_LOG_LEVEL: 'info' });
    const [, address] = await waitFor(app, /"address":"([^"]+)"/, 10_000);
    const client = new CityML({ address });
    const fullName = FIVE.find((n) => n.includes(`.${service}.`))!;
    await expect(client.health(fullName)).resolves.toBe('SERVING');
    expect(await listServices(address)).toEqual(expect.arrayContaining([fullName]));
    client.close();
    app.child.kill('SIGTERM');
    expect(await app.exit).toBe(0);
  }, 30_000);
});

describe('a CityML process that gets SIGTERM', () => {
  const fixture = join(root, 'dist/apps/cli/fixtures/slow-server.js');

  it('finishes the call in flight, then exits 0', async () => {
    const proc = run([fixture], {});
    const [, port] = await waitFor(proc, /ready (\d+)/, 10_000);
    const client = new registry.RegistryServiceClient(`127.0.0.1:${port}`, credentials.createInsecure());
    const answer = new Promise<registry.GetModelResponse>((resolve, reject) =>
      client.getModel(registry.GetModelRequest.fromPartial({ name: 'slow-one' }), new Metadata(), (e: ServiceError | null, r: registry.GetModelResponse) => (e ? reject(e) : resolve(r))),
    );
    await new Promise((r) => setTimeout(r, 300));
    proc.child.kill('SIGTERM');
    await expect(answer).resolves.toMatchObject({ model: { name: 'slow-one' } });
    expect(await proc.exit).toBe(0);
    client.close();
  }, 30_000);
});
