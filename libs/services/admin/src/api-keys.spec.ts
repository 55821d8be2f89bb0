import { createServer } from 'node:net';
import { Metadata, status } from '@grpc/grpc-js';
import { admin } from '@cityml/proto';
import { startTestPlatform, type TestPlatform } from '@cityml/platform/testing';
import { CityMLClientError } from '@cityml/sdk';

const code = async (p: Promise<unknown>): Promise<string> => {
  try {
    await p;
    return 'OK';
  } catch (err) {
    if (err instanceof CityMLClientError) return err.codeName;
    throw err;
  }
};

describe('the API key check', () => {
  let t: TestPlatform;
  beforeAll(async () => {
    t = await startTestPlatform({ services: ['registry'] });
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('lets a call with a valid key through', async () => {
    const keys = await t.client.admin.listApiKeys();
    expect(keys.map((k) => k.id)).toHaveLength(1);
    expect(keys[0]).toMatchObject({ tenant: 'default', role: 'admin', platformAdmin: true });
  });

  it('refuses a call without a key with UNAUTHENTICATED', async () => {
    const err = await t.clientWith({ apiKey: undefined }).admin.listApiKeys().catch((e) => e);
    expect(err).toBeInstanceOf(CityMLClientError);
    expect(err.code).toBe(status.UNAUTHENTICATED);
    expect(err.message).toMatch(/missing credentials/);
  });

  it('refuses a malformed authorization header with UNAUTHENTICATED', async () => {
    const err = await t.clientWith({ apiKey: 'has spaces in it' }).admin.listApiKeys().catch((e) => e);
    expect(err.code).toBe(status.UNAUTHENTICATED);
    expect(err.message).toMatch(/malformed/);
  });

  it.each([
    ['another scheme', (k: string) => `Basic ${Buffer.from(`user:${k}`).toString('base64')}`],
    ['a bare key', (k: string) => k],
    ['an empty bearer', () => 'Bearer '],
    ['a key with a trailing comment', (k: string) => `Bearer ${k} extra`],
  ])('refuses %s in the authorization header with UNAUTHENTICATED', async (_label, header) => {
    const raw = t.clientWith({ apiKey: undefined }).admin.raw;
    const md = new Metadata();
    md.set('authorization', header(t.apiKey));
    const code = await new Promise<number>((resolve) => raw.listApiKeys(admin.ListApiKeysRequest.fromPartial({}), md, (err) => resolve(err?.code ?? status.OK)));
    expect(code).toBe(status.UNAUTHENTICATED);
  });

  it('accepts the bearer scheme in any case (RFC 6750)', async () => {
    const raw = t.clientWith({ apiKey: undefined }).admin.raw;
    const md = new Metadata();
    md.set('authorization', `bearer ${t.apiKey}`);
    const code = await new Promise<number>((resolve) => raw.listApiKeys(admin.ListApiKeysRequest.fromPartial({}), md, (err) => resolve(err?.code ?? status.OK)));
    expect(code).toBe(status.OK);
  });

  it('refuses an unknown key with UNAUTHENTICATED', async () => {
    const err = await t.clientWith({ apiKey: 'cml_' + 'A'.repeat(43) }).admin.listApiKeys().catch((e) => e);
    expect(err.code).toBe(status.UNAUTHENTICATED);
    expect(err.message).toMatch(/unknown API key/);
  });

  it('refuses an expired key with UNAUTHENTICATED', async () => {
    const k = await t.createKey({ tenant: 'default', role: 'reader', expiresAt: new Date(Date.now() - 1000) });
    const err = await k.client.admin.listApiKeys().catch((e) => e);
    expect(err.code).toBe(status.UNAUTHENTICATED);
    expect(err.message).toMatch(/expired/);
  });

  it('refuses a revoked key on the very next call', async () => {
    const k = await t.createKey({ tenant: 'default', role: 'admin' });
    await expect(k.client.admin.listApiKeys()).resolves.toBeDefined(); // now cached
    await t.client.admin.revokeApiKey(k.id);
    const err = await k.client.admin.listApiKeys().catch((e) => e);
    expect(err.code).toBe(status.UNAUTHENTICATED);
    expect(err.message).toMatch(/revoked/);
  });

  it('answers repeated calls from memory: one database lookup per key', async () => {
    const k = await t.createKey({ tenant: 'default', role: 'admin' });
    const before = t.platform.authenticator!.lookups;
    for (let i = 0; i < 20; i++) await k.client.admin.listApiKeys();
    expect(t.platform.authenticator!.lookups - before).toBe(1);
  });

  it('shows the secret once: listings carry only a prefix', async () => {
    const created = await t.client.admin.createApiKey({ role: 'reader', description: 'once' });
    expect(created.secret).toMatch(/^cml_[A-Za-z0-9_-]{43}$/);
    const listed = (await t.client.admin.listApiKeys()).find((k) => k.id === created.key.id)!;
    expect(JSON.stringify(listed)).not.toContain(created.secret);
    expect(created.secret.startsWith(listed.prefix)).toBe(true);
  });

  it('keeps health open without a key', async () => {
    await expect(t.clientWith({ apiKey: undefined }).health()).resolves.toBe('SERVING');
  });

  it('refuses a tenant key that names another tenant in x-cityml-tenant with PERMISSION_DENIED', async () => {
    const b = await t.newTenant();
    const steered = t.clientWith({ apiKey: b.apiKey, actForTenant: 'default' });
    expect(await code(steered.admin.listApiKeys())).toBe('PERMISSION_DENIED');
    const own = t.clientWith({ apiKey: b.apiKey, actForTenant: b.tenant });
    expect((await own.admin.listApiKeys()).every((k) => k.tenant === b.tenant)).toBe(true);
  });
});

describe('the OIP HTTP/JSON binding', () => {
  let t: TestPlatform;
  let http: string;
  beforeAll(async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    t = await startTestPlatform({ services: ['registry', 'inference'], env: { CITYML_HTTP_PORT: String(port) } });
    http = `http://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    await t?.stop();
  });

  const infer = (headers: Record<string, string>) =>
    fetch(`${http}/v2/models/nope/infer`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ inputs: [] }) });

  it('takes the same authorization header: without a key or with a bad one it is 401', async () => {
    expect((await infer({})).status).toBe(401);
    expect((await infer({ authorization: 'Bearer cml_' + 'B'.repeat(43) })).status).toBe(401);
  });

  it('lets a valid key through to the model lookup', async () => {
    const reader = await t.createKey({ tenant: 'default', role: 'reader' });
    expect((await infer({ authorization: `Bearer ${reader.apiKey}` })).status).toBe(404);
  });
});

describe('the per-key rate limit of a platform', () => {
  it('answers RESOURCE_EXHAUSTED past the burst, for that key only', async () => {
    const t = await startTestPlatform({ services: ['registry'], env: { CITYML_RATE_LIMIT_RPS: '0.5', CITYML_RATE_LIMIT_BURST: '2' } });
    try {
      const other = await t.createKey({ tenant: 'default', role: 'admin' });
      const codes: string[] = [];
      for (let i = 0; i < 3; i++) codes.push(await code(t.client.admin.listApiKeys()));
      expect(codes).toEqual(['OK', 'OK', 'RESOURCE_EXHAUSTED']);
      expect(await code(other.client.admin.listApiKeys())).toBe('OK');
    } finally {
      await t.stop();
    }
  });
});
