import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ingestion } from '@cityml/proto';
import { loadConfig } from '../config';
import { localAuthenticator } from '../context';
import { createLogger } from '../logger';
import { startServer, type RunningServer } from '../server';
import { channelCredentials, codeName, healthCheck, metadata, type TestConnection } from './test-clients';

const log = createLogger({ level: 'silent', pretty: false });

/** A CA, a server+client certificate it signs (127.0.0.1, localhost), and a rogue CA's client certificate. */
function makeCertificates(dir: string) {
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ext = join(dir, 'leaf.ext');
  writeFileSync(ext, 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\nbasicConstraints=CA:FALSE\n');
  for (const ca of ['ca', 'rogue-ca']) {
    ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${ca}.key`, '-out', `${ca}.pem`, '-days', '2', '-subj', `/CN=${ca}`);
  }
  const leaf = (name: string, ca: string) => {
    ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
    ssl('x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-extfile', ext);
  };
  leaf('server', 'ca');
  leaf('client', 'ca');
  leaf('rogue', 'rogue-ca');
  const f = (n: string) => join(dir, n);
  return { ca: f('ca.pem'), serverCert: f('server.pem'), serverKey: f('server.key'), clientCert: f('client.pem'), clientKey: f('client.key'), rogueCert: f('rogue.pem'), rogueKey: f('rogue.key') };
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

async function serve(env: Record<string, string>): Promise<RunningServer> {
  return startServer({
    config: loadConfig({ CITYML_HOST: '127.0.0.1', CITYML_PORT: '0', CITYML_METRICS_PORT: '0', ...env }),
    log,
    authenticate: localAuthenticator,
    services: [
      {
        fullName: 'cityml.ingestion.v1.IngestionService',
        definition: ingestion.IngestionServiceService,
        implementation: { getDataset: async () => ingestion.GetDatasetResponse.fromPartial({}) },
      },
    ],
  });
}

function callWith(c: TestConnection): Promise<string> {
  const client = new ingestion.IngestionServiceClient(c.address, channelCredentials(c.tls));
  return new Promise((resolve) =>
    client.getDataset(ingestion.GetDatasetRequest.fromPartial({ name: 'x' }), metadata(c.key), { deadline: new Date(Date.now() + 3000) }, (err) => (client.close(), resolve(codeName(err)))),
  );
}

describe('TLS and mutual TLS', () => {
  let dir: string;
  let certs: ReturnType<typeof makeCertificates>;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cityml-tls-'));
    certs = makeCertificates(dir);
  }, 30_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  describe('with CITYML_TLS_CLIENT_AUTH=require', () => {
    let server: RunningServer;
    let healthPort: number;
    let address: string;
    beforeAll(async () => {
      healthPort = await freePort();
      server = await serve({
        CITYML_TLS_CERT_FILE: certs.serverCert,
        CITYML_TLS_KEY_FILE: certs.serverKey,
        CITYML_TLS_CA_FILE: certs.ca,
        CITYML_TLS_CLIENT_AUTH: 'require',
        CITYML_HEALTH_PORT: String(healthPort),
      });
      address = `127.0.0.1:${server.port}`;
    });
    afterAll(() => server.shutdown());

    it('accepts a client with a certificate from the trusted CA', async () => {
      expect(await callWith({ address, tls: { caFile: certs.ca, certFile: certs.clientCert, keyFile: certs.clientKey } })).toBe('OK');
    });

    it('refuses a client without a certificate', async () => {
      expect(await callWith({ address, tls: { caFile: certs.ca } })).toBe('UNAVAILABLE');
    });

    it('refuses a client whose certificate another CA signed', async () => {
      expect(await callWith({ address, tls: { caFile: certs.ca, certFile: certs.rogueCert, keyFile: certs.rogueKey } })).toBe('UNAVAILABLE');
    });

    it('refuses a plaintext client', async () => {
      expect(await callWith({ address })).toBe('UNAVAILABLE');
    });

    it('serves grpc.health.v1 in plaintext on CITYML_HEALTH_PORT for probes', async () => {
      expect(server.healthPort).toBe(healthPort);
      await expect(healthCheck({ address: `127.0.0.1:${healthPort}` })).resolves.toBe('SERVING');
      await expect(healthCheck({ address: `127.0.0.1:${healthPort}` }, 'cityml.ingestion.v1.IngestionService')).resolves.toBe('SERVING');
      await expect(healthCheck({ address, tls: { caFile: certs.ca, certFile: certs.clientCert, keyFile: certs.clientKey } })).resolves.toBe('SERVING');
    });

    it('serves no RPC but health on the plaintext port', async () => {
      expect(await callWith({ address: `127.0.0.1:${healthPort}` })).toBe('UNIMPLEMENTED');
    });
  });

  describe('with server TLS only', () => {
    let server: RunningServer;
    beforeAll(async () => {
      server = await serve({ CITYML_TLS_CERT_FILE: certs.serverCert, CITYML_TLS_KEY_FILE: certs.serverKey });
    });
    afterAll(() => server.shutdown());

    it('accepts a client that trusts the CA, without a client certificate', async () => {
      expect(await callWith({ address: `127.0.0.1:${server.port}`, tls: { caFile: certs.ca } })).toBe('OK');
    });

    it('is refused by a client that does not trust the server', async () => {
      expect(await callWith({ address: `127.0.0.1:${server.port}`, tls: { caFile: certs.rogueCert } })).toBe('UNAVAILABLE');
    });
  });
});
