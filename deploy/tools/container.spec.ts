/**
 * The image's commands, run the way the manifests run them (no Docker here): the entrypoint
 * from the Dockerfile with the Deployment's args, the image's ENV and the dev overlay's
 * environment, against a fresh test database. Ports are moved to free ones so test files can
 * run in parallel; everything else is as deployed. Checks what the kubelet and Prometheus rely
 * on: plaintext grpc.health.v1 on the health port, /metrics, `migrate` exiting 0, and a
 * SIGTERM drain that ends well within the termination grace period.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { credentials, makeClientConstructor, type Client } from '@grpc/grpc-js';
import { service as healthService } from 'grpc-health-check';
import { createTestDatabase } from '@cityml/db/testing';
import type { Deployment } from 'kubernetes-types/apps/v1';
import type { Job } from 'kubernetes-types/batch/v1';
import { execForm, parseStages, workdir } from './dockerfile';
import { environment } from './environment';
import { DEPLOY_DIR, REPO_ROOT, SERVICES, findResource, renderOverlay } from './manifests';

jest.setTimeout(120_000);

const stages = parseStages(readFileSync(join(DEPLOY_DIR, 'Dockerfile'), 'utf8'));
const runtime = stages[stages.length - 1];
const [, script] = execForm(runtime.instructions.find((i) => i.keyword === 'ENTRYPOINT')!.args)!;
const entrypoint = join(REPO_ROOT, posix.relative(workdir(runtime), script));

/** The runtime stage's ENV (`ENV A=1 B=2`), as the container would have it. */
const imageEnv: Record<string, string> = Object.fromEntries(
  runtime.instructions
    .filter((i) => i.keyword === 'ENV')
    .flatMap((i) => i.args.split(/\s+/).filter(Boolean).map((kv) => kv.split(/=(.*)/s).slice(0, 2) as [string, string])),
);

const resources = renderOverlay('dev');
let db: { url: string; drop(): Promise<void> };
let dataDir: string;
beforeAll(async () => {
  db = await createTestDatabase();
  dataDir = mkdtempSync(join(tmpdir(), 'cityml-container-'));
});
afterAll(async () => {
  await db?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function run(args: string[], env: Record<string, string>): { child: ChildProcess; output: () => string; exit: Promise<number | null> } {
  const child = spawn(process.execPath, [entrypoint, ...args], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...imageEnv, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => out, exit };
}

interface HealthClient extends Client {
  check(req: { service: string }, cb: (err: Error | null, res?: { status: string | number }) => void): void;
}
const Health = makeClientConstructor(healthService, 'grpc.health.v1.Health') as unknown as new (
  address: string,
  creds: ReturnType<typeof credentials.createInsecure>,
) => HealthClient;

async function waitServing(port: number, deadline: number, alive: () => boolean): Promise<void> {
  const client = new Health(`127.0.0.1:${port}`, credentials.createInsecure());
  try {
    while (Date.now() < deadline && alive()) {
      const status = await new Promise<string | number | undefined>((resolve) =>
        client.check({ service: '' }, (err, res) => resolve(err ? undefined : res?.status)),
      );
      if (status === 'SERVING' || status === 1) return;
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`health port ${port} never answered SERVING`);
  } finally {
    client.close();
  }
}

describe('the image entrypoint, configured as the dev overlay configures it', () => {
  it('`migrate` (the cityml-migrate Job) applies the migrations and exits 0', async () => {
    const job = findResource(resources, 'Job', 'cityml-migrate') as unknown as Job;
    const container = job.spec!.template.spec!.containers[0];
    const proc = run(container.args!, { ...environment(resources, container), DATABASE_URL: db.url, CITYML_DATA_DIR: dataDir });
    expect([await proc.exit, proc.output()]).toEqual([0, expect.stringMatching(/applied \d+ migrations/)]);
  });

  it.each(SERVICES)('`serve %s` answers plaintext health checks on the health port, serves /metrics, and drains on SIGTERM', async (s) => {
    const d = findResource(resources, 'Deployment', `cityml-${s}`) as unknown as Deployment;
    const pod = d.spec!.template.spec!;
    const container = pod.containers[0];
    const ports = { CITYML_PORT: await freePort(), CITYML_HEALTH_PORT: await freePort(), CITYML_METRICS_PORT: await freePort(), CITYML_HTTP_PORT: await freePort() };
    const env = {
      ...environment(resources, container),
      ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])),
      CITYML_HOST: '127.0.0.1',
      DATABASE_URL: db.url,
      CITYML_DATA_DIR: join(dataDir, s),
    };
    const proc = run(container.args!, env);
    let exited = false;
    void proc.exit.then(() => (exited = true));
    try {
      // The startup probe allows periodSeconds * failureThreshold; the test allows 60 s.
      await waitServing(ports.CITYML_HEALTH_PORT, Date.now() + 60_000, () => !exited);
    } catch (err) {
      throw new Error(`${(err as Error).message}\n--- output ---\n${proc.output()}`);
    }
    const metrics = await fetch(`http://127.0.0.1:${ports.CITYML_METRICS_PORT}${d.spec!.template.metadata!.annotations!['prometheus.io/path']}`);
    expect(metrics.status).toBe(200);
    await metrics.text();

    const started = Date.now();
    proc.child.kill('SIGTERM');
    const code = await proc.exit;
    const drainSeconds = (Date.now() - started) / 1000;
    const graceAfterPreStop = pod.terminationGracePeriodSeconds! - container.lifecycle!.preStop!.sleep!.seconds;
    expect([code, proc.output()]).toEqual([0, expect.any(String)]);
    expect(drainSeconds).toBeLessThan(graceAfterPreStop);
  });
});
