import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestPlatform, type TestPlatform } from '@cityml/platform/testing';
import { inference } from '@cityml/proto';
import { callOptions, unary, type CityMLClientError } from '@cityml/sdk';

const outcome = (p: Promise<unknown>) => p.then(() => 'OK', (e: CityMLClientError) => e.codeName);

/** A CA and one certificate it signs for 127.0.0.1 (server and client use), made with openssl. */
function certificates(dir: string) {
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  writeFileSync(join(dir, 'leaf.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n');
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=cityml-test-ca');
  ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'leaf.key', '-out', 'leaf.csr', '-subj', '/CN=cityml');
  ssl('x509', '-req', '-in', 'leaf.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'leaf.pem', '-days', '2', '-extfile', 'leaf.ext');
  return { ca: join(dir, 'ca.pem'), cert: join(dir, 'leaf.pem'), key: join(dir, 'leaf.key') };
}

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });

describe('a platform with mutual TLS and API keys', () => {
  let dir: string;
  let t: TestPlatform;
  let healthPort: number;
  let tls: { caFile: string; certFile: string; keyFile: string };
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cityml-mtls-'));
    const c = certificates(dir);
    tls = { caFile: c.ca, certFile: c.cert, keyFile: c.key };
    healthPort = await freePort();
    t = await startTestPlatform({
      services: ['registry', 'inference'],
      env: { CITYML_TLS_CERT_FILE: c.cert, CITYML_TLS_KEY_FILE: c.key, CITYML_TLS_CA_FILE: c.ca, CITYML_TLS_CLIENT_AUTH: 'require', CITYML_HEALTH_PORT: String(healthPort) },
    });
  }, 30_000);
  afterAll(async () => {
    await t?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves a client with a certificate and a key', async () => {
    const client = t.clientWith({ tls });
    expect((await client.admin.listApiKeys()).length).toBe(1);
  });

  it('refuses a client without a certificate, and one without a key', async () => {
    expect(await outcome(t.clientWith({ tls: { caFile: tls.caFile } }).admin.listApiKeys())).toBe('UNAVAILABLE');
    expect(await outcome(t.clientWith({ tls, apiKey: undefined }).admin.listApiKeys())).toBe('UNAUTHENTICATED');
  });

  it('answers health in plaintext on CITYML_HEALTH_PORT', async () => {
    await expect(t.clientWith({ address: `127.0.0.1:${healthPort}`, apiKey: undefined }).health('cityml.registry.v1.RegistryService')).resolves.toBe('SERVING');
  });

  it('makes internal calls over mTLS with the service key (inference asks the registry for the model)', async () => {
    const client = t.clientWith({ tls });
    const raw = client.inference.raw;
    const req = inference.PredictRequest.fromPartial({ modelName: 'nope', alias: 'production', rows: { rowCount: 1, columns: [] } });
    const err = await unary(raw.predict.bind(raw), req, callOptions(client.options)).catch((e) => e);
    expect(err.codeName).toBe('NOT_FOUND'); // not UNAVAILABLE or UNAUTHENTICATED: the peer call got through
    expect(err.message).toMatch(/nope/);
  });
});
