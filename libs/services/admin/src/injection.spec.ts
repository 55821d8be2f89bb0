import { startTestPlatform, type TestPlatform } from '@cityml/platform/testing';
import { CityMLClientError } from '@cityml/sdk';

const outcome = (p: Promise<unknown>) => p.then(() => 'OK', (e: CityMLClientError) => e.codeName);

const HOSTILE = [
  "x'; drop table auth.api_keys; --",
  'a" or "1"="1',
  '../../etc/passwd',
  'Transport',
  'a b',
  'a\u0000b',
  'ünïcode',
  '$(touch /tmp/pwned)',
  '',
  'x'.repeat(64),
  '-leading-dash',
];

describe('names and free text in the admin service', () => {
  let t: TestPlatform;
  beforeAll(async () => {
    t = await startTestPlatform({ services: ['registry'] });
  });
  afterAll(async () => {
    await t?.stop();
  });

  it.each(HOSTILE)('refuses the tenant name %j with INVALID_ARGUMENT naming the field', async (name) => {
    const err = await t.client.admin.createTenant(name).catch((e) => e);
    expect(err).toBeInstanceOf(CityMLClientError);
    expect(err.codeName).toBe('INVALID_ARGUMENT');
    expect(err.details).toEqual([expect.objectContaining({ field: 'name' })]);
  });

  it('still works afterwards: nothing was dropped', async () => {
    expect((await t.client.admin.listTenants()).map((x) => x.name)).toEqual(['default']);
    expect(await t.client.admin.listApiKeys()).toHaveLength(1);
  });

  it.each(HOSTILE.slice(0, 3))('refuses %j as the tenant of a key', async (tenant) => {
    expect(await outcome(t.client.admin.createApiKey({ role: 'reader', tenant }))).toBe('INVALID_ARGUMENT');
  });

  it('refuses a key id that is not one', async () => {
    expect(await outcome(t.client.admin.revokeApiKey("key_0' or '1'='1"))).toBe('INVALID_ARGUMENT');
    expect(await t.client.admin.listApiKeys()).toHaveLength(1);
  });

  it('stores descriptions and display names verbatim and harmlessly', async () => {
    const text = "'); delete from auth.api_keys; -- <script>alert(1)</script> \\ \" ünï\ncode";
    const tenant = await t.client.admin.createTenant('parks', text);
    expect(tenant.displayName).toBe(text);
    expect((await t.client.admin.listTenants()).find((x) => x.name === 'parks')?.displayName).toBe(text);
    const { key } = await t.client.admin.createApiKey({ role: 'reader', description: text });
    expect((await t.client.admin.listApiKeys()).find((k) => k.id === key.id)?.description).toBe(text);
    expect((await t.client.admin.listApiKeys()).length).toBe(2);
  });

  it('never puts SQL or stack text in an error message', async () => {
    await t.client.admin.createTenant('dup');
    const err = await t.client.admin.createTenant('dup').catch((e) => e);
    expect(err.codeName).toBe('ALREADY_EXISTS');
    expect(err.message).not.toMatch(/insert|select|constraint|auth\.|at .*\.ts/i);
  });

  it('refuses an expiry in the past', async () => {
    expect(await outcome(t.client.admin.createApiKey({ role: 'reader', expiresAt: new Date(Date.now() - 60_000) }))).toBe('INVALID_ARGUMENT');
  });

  it('lets a tenant admin create keys only in its own tenant (another tenant is NOT_FOUND)', async () => {
    const transport = await t.newTenant({ name: 'transport' });
    expect(await outcome(transport.client.admin.createApiKey({ role: 'reader', tenant: 'default' }))).toBe('NOT_FOUND');
    expect(await outcome(transport.client.admin.listApiKeys({ tenant: 'default' }))).toBe('NOT_FOUND');
    expect(await outcome(transport.client.admin.revokeApiKey((await t.client.admin.listApiKeys())[0].id))).toBe('NOT_FOUND');
    const own = await transport.client.admin.createApiKey({ role: 'writer' });
    expect(own.key.tenant).toBe('transport');
  });
});
