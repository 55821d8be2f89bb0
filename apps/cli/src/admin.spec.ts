import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase } from '@cityml/db/testing';
import { CityML } from '@cityml/sdk';
import { parseExpiry } from './commands/admin';

const root = join(__dirname, '../../..');
const cli = join(root, 'dist/apps/cli/main.js');

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

interface Up {
  child: ChildProcess;
  out: () => string;
  err: () => string;
  exit: Promise<number | null>;
}

async function up(args: string[], env: Record<string, string>): Promise<Up> {
  const child = spawn(process.execPath, [cli, 'up', ...args], { env: { PATH: process.env.PATH, HOME: process.env.HOME, CITYML_LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const exit = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const until = Date.now() + 15_000;
  while (!/Press Ctrl-C/.test(out)) {
    if (Date.now() > until || child.exitCode !== null) throw new Error(`cityml up did not start: ${out} ${err}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, out: () => out, err: () => err, exit };
}

/** Runs a cityml command to completion. */
function cityml(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [cli, ...args], { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('cityml up with authentication (local mode)', () => {
  let dataDir: string;
  let db: { url: string; drop(): Promise<void> };
  let server: Up;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'cityml-auth-'));
    db = await createTestDatabase();
    server = await up(['--port', String(await freePort()), '--data-dir', dataDir], { DATABASE_URL: db.url });
  }, 30_000);
  afterAll(async () => {
    server?.child.kill('SIGTERM');
    await server?.exit;
    await db?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('creates tenant "default" and an admin key on first start, stored owner-only, and says how to use it', () => {
    const keyFile = join(dataDir, 'admin.key');
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(readFileSync(keyFile, 'utf8').trim()).toMatch(/^cml_[A-Za-z0-9_-]{43}$/);
    expect(JSON.parse(readFileSync(join(dataDir, 'client.json'), 'utf8'))).toMatchObject({ apiKeyFile: keyFile });
    expect(server.out()).toMatch(/created tenant "default" and an admin key/);
    expect(server.out()).toContain(keyFile);
  });

  it('refuses a client without the key', async () => {
    const address = JSON.parse(readFileSync(join(dataDir, 'client.json'), 'utf8')).address;
    const client = new CityML({ address });
    await expect(client.admin.listApiKeys()).rejects.toMatchObject({ codeName: 'UNAUTHENTICATED' });
    client.close();
  });

  it('manages tenants and keys from the CLI with the stored key: create, list, use, revoke', () => {
    const dir = ['--data-dir', dataDir];
    expect(cityml(['admin', 'tenants', 'create', 'transport', ...dir]).code).toBe(0);
    expect(cityml(['admin', 'tenants', 'list', ...dir]).out).toMatch(/transport/);
    const created = cityml(['admin', 'keys', 'create', '--tenant', 'transport', '--role', 'reader', '--expires', '30d', '--json', ...dir]);
    expect(created.code).toBe(0);
    const key = JSON.parse(created.out);
    expect(key).toMatchObject({ tenant: 'transport', role: 'reader' });
    expect(key.secret).toMatch(/^cml_/);
    const listed = cityml(['admin', 'keys', 'list', '--tenant', 'transport', ...dir]);
    expect(listed.out).toContain(key.id);
    expect(listed.out).not.toContain(key.secret);
    // A reader key is authenticated, but listing keys needs the admin role.
    const asReader = cityml(['admin', 'keys', 'list', ...dir], { CITYML_API_KEY: key.secret });
    expect(asReader.code).toBe(1);
    expect(asReader.err).toMatch(/PERMISSION_DENIED/);
    expect(cityml(['admin', 'keys', 'revoke', key.id, ...dir]).code).toBe(0);
    const revoked = cityml(['admin', 'keys', 'list', ...dir], { CITYML_API_KEY: key.secret });
    expect(revoked.err).toMatch(/UNAUTHENTICATED.*revoked/);
  });

  it('answers a bad role or expiry with exit code 2', () => {
    expect(cityml(['admin', 'keys', 'create', '--role', 'root', '--data-dir', dataDir]).code).toBe(2);
    expect(cityml(['admin', 'keys', 'create', '--role', 'reader', '--expires', 'soon', '--data-dir', dataDir]).code).toBe(2);
  });

  it('reuses the stored admin key on the next start', async () => {
    const before = readFileSync(join(dataDir, 'admin.key'), 'utf8');
    server.child.kill('SIGTERM');
    expect(await server.exit).toBe(0);
    server = await up(['--port', String(await freePort()), '--data-dir', dataDir], { DATABASE_URL: db.url });
    expect(readFileSync(join(dataDir, 'admin.key'), 'utf8')).toBe(before);
    expect(server.out()).not.toMatch(/created tenant/);
  }, 30_000);
});

describe('cityml up --insecure', () => {
  it('runs without authentication and says so at start', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'cityml-insecure-'));
    const db = await createTestDatabase();
    const server = await up(['--insecure', '--port', String(await freePort()), '--data-dir', dataDir], { DATABASE_URL: db.url });
    try {
      expect(server.err()).toMatch(/authentication is OFF/);
      const client = new CityML({ address: JSON.parse(readFileSync(join(dataDir, 'client.json'), 'utf8')).address });
      await expect(client.admin.listTenants()).resolves.toEqual([]); // no key, yet a platform-admin call succeeds
      client.close();
    } finally {
      server.child.kill('SIGTERM');
      await server.exit;
      await db.drop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 30_000);
});

describe('cityml up with mutual TLS', () => {
  it('serves the CLI with --tls-ca/--tls-cert/--tls-key and refuses it without a certificate', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'cityml-mtls-'));
    const ssl = (...args: string[]) => spawnSync('openssl', args, { cwd: dataDir, stdio: 'pipe' });
    writeFileSync(join(dataDir, 'leaf.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n');
    ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=test-ca');
    ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'leaf.key', '-out', 'leaf.csr', '-subj', '/CN=cityml');
    ssl('x509', '-req', '-in', 'leaf.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'leaf.pem', '-days', '2', '-extfile', 'leaf.ext');
    const f = (n: string) => join(dataDir, n);
    const db = await createTestDatabase();
    const server = await up(['--port', String(await freePort()), '--data-dir', dataDir], {
      DATABASE_URL: db.url,
      CITYML_TLS_CERT_FILE: f('leaf.pem'),
      CITYML_TLS_KEY_FILE: f('leaf.key'),
      CITYML_TLS_CA_FILE: f('ca.pem'),
      CITYML_TLS_CLIENT_AUTH: 'require',
    });
    try {
      const withCert = cityml(['admin', 'keys', 'list', '--json', '--data-dir', dataDir, '--tls-ca', f('ca.pem'), '--tls-cert', f('leaf.pem'), '--tls-key', f('leaf.key')]);
      expect(withCert.err).not.toMatch(/error/);
      expect(withCert.code).toBe(0);
      expect(JSON.parse(withCert.out)).toHaveLength(1);
      const without = cityml(['admin', 'keys', 'list', '--data-dir', dataDir, '--tls-ca', f('ca.pem')]);
      expect(without.code).toBe(1);
      expect(without.err).toMatch(/UNAVAILABLE/);
    } finally {
      server.child.kill('SIGTERM');
      await server.exit;
      await db.drop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('--expires', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  it.each([
    ['30d', '2026-01-31T00:00:00.000Z'],
    ['12h', '2026-01-01T12:00:00.000Z'],
    ['2w', '2026-01-15T00:00:00.000Z'],
    ['2026-06-01T00:00:00Z', '2026-06-01T00:00:00.000Z'],
  ])('reads %s', (v, iso) => expect(parseExpiry(v, now).toISOString()).toBe(iso));
  it.each(['soon', '-1d', '2025-01-01'])('refuses %s', (v) => expect(() => parseExpiry(v, now)).toThrow(/--expires/));
});
