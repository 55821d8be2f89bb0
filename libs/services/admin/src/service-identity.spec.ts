import { status } from '@grpc/grpc-js';
import { startTestPlatform, type TestKey, type TestPlatform } from '@cityml/platform/testing';
import { listServices } from '@cityml/runtime/testing';
import type { CityMLClientError } from '@cityml/sdk';

const outcome = (p: Promise<unknown>) => p.then(() => 'OK', (e: CityMLClientError) => e.codeName);

describe('the platform service identity', () => {
  let t: TestPlatform;
  let a: TestKey;
  let b: TestKey;
  beforeAll(async () => {
    t = await startTestPlatform({ services: ['registry'] });
    a = await t.newTenant({ name: 'transport' });
    b = await t.newTenant({ name: 'environment' });
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('exists when auth is on, made at start when CITYML_SERVICE_KEY is unset', () => {
    expect(t.serviceKey).toMatch(/^cml_svc_/);
    expect(t.platform.serviceKey).toBe(t.serviceKey);
  });

  it('acts for exactly the tenant it names in x-cityml-tenant', async () => {
    const asTransport = t.clientWith({ apiKey: t.serviceKey, actForTenant: 'transport' });
    const keys = await asTransport.admin.listApiKeys();
    expect(keys.map((k) => k.id)).toEqual([a.id]);
    const asEnvironment = t.clientWith({ apiKey: t.serviceKey, actForTenant: 'environment' });
    expect((await asEnvironment.admin.listApiKeys()).map((k) => k.id)).toEqual([b.id]);
  });

  it('can bootstrap a cluster: create a tenant and its first admin key', async () => {
    const operator = t.clientWith({ apiKey: t.serviceKey });
    await operator.admin.createTenant('water');
    const { secret, key } = await operator.admin.createApiKey({ tenant: 'water', role: 'admin' });
    expect(key).toMatchObject({ tenant: 'water', role: 'admin', platformAdmin: false, createdBy: 'service' });
    expect((await t.clientWith({ apiKey: secret }).admin.listApiKeys()).map((k) => k.id)).toEqual([key.id]);
  });

  it('acts for no tenant when it names none: refused outside the admin service', async () => {
    const none = t.clientWith({ apiKey: t.serviceKey });
    expect(await outcome(none.admin.listApiKeys())).toBe('INVALID_ARGUMENT');
    expect(await outcome(none.registry.listModels())).toBe('PERMISSION_DENIED');
    expect(await outcome(t.clientWith({ apiKey: t.serviceKey, actForTenant: 'transport' }).registry.listModels())).toBe('OK');
  });

  it('refuses a malformed x-cityml-tenant', async () => {
    const bad = t.clientWith({ apiKey: t.serviceKey, actForTenant: "transport' or '1'='1" });
    expect(await outcome(bad.admin.listApiKeys())).toBe('UNAUTHENTICATED');
  });

  it('cannot be claimed by a tenant key: naming another tenant is PERMISSION_DENIED, for every role', async () => {
    for (const role of ['reader', 'writer', 'admin'] as const) {
      const k = await t.createKey({ tenant: 'transport', role });
      const steered = t.clientWith({ apiKey: k.apiKey, actForTenant: 'environment' });
      expect(await outcome(steered.admin.listApiKeys())).toBe('PERMISSION_DENIED');
      expect(await outcome(steered.health())).toBe('OK'); // health stays open
    }
  });
});

describe('server reflection', () => {
  it('stays open without a key', async () => {
    const t = await startTestPlatform({ services: ['registry'] });
    try {
      expect(await listServices(t.address)).toEqual(expect.arrayContaining(['cityml.admin.v1.AdminService', 'cityml.registry.v1.RegistryService']));
    } finally {
      await t.stop();
    }
  });

  it('can be turned off with CITYML_REFLECTION=off', async () => {
    const t = await startTestPlatform({ services: ['registry'], env: { CITYML_REFLECTION: 'off' } });
    try {
      await expect(listServices(t.address)).rejects.toMatchObject({ code: status.UNIMPLEMENTED });
    } finally {
      await t.stop();
    }
  });
});
