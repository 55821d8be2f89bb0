import { createDb } from '@cityml/db';
import { startPlatform, type Platform } from '@cityml/platform';
import { startTestPlatform, type TestPlatform } from '@cityml/platform/testing';
import { createLogger, loadConfig } from '@cityml/runtime';
import { CityML, CityMLClientError } from '@cityml/sdk';

const outcome = (p: Promise<unknown>) => p.then(() => 'OK', (e: CityMLClientError) => e.codeName);

/** Polls `probe` until it answers UNAUTHENTICATED; returns the milliseconds that took. */
async function msUntilRefused(probe: () => Promise<string>, limitMs = 3000): Promise<number> {
  const t0 = Date.now();
  while (Date.now() - t0 < limitMs) {
    if ((await probe()) === 'UNAUTHENTICATED') return Date.now() - t0;
    await new Promise((r) => setTimeout(r, 5));
  }
  return Infinity;
}

describe('revoking a key on one replica', () => {
  let t: TestPlatform;
  let replica: Platform;
  beforeAll(async () => {
    t = await startTestPlatform({ services: ['registry'] });
    // A second process over the same database, as another Deployment replica would be.
    const config = loadConfig(
      { CITYML_HOST: '127.0.0.1', CITYML_PORT: '0', CITYML_METRICS_PORT: '0', CITYML_HTTP_PORT: '0', CITYML_MIGRATE: 'off', DATABASE_URL: t.databaseUrl, CITYML_LOG_LEVEL: 'silent' },
      { services: ['registry'] },
    );
    replica = await startPlatform(config, createLogger({ level: 'silent', pretty: false }));
  });
  afterAll(async () => {
    await replica?.stop();
    await t?.stop();
  });

  it('is refused on every replica within a second, though both had it cached', async () => {
    const k = await t.createKey({ tenant: 'default', role: 'admin' });
    const onReplica = new CityML({ address: replica.address, apiKey: k.apiKey });
    expect(await outcome(k.client.admin.listApiKeys())).toBe('OK');
    expect(await outcome(onReplica.admin.listApiKeys())).toBe('OK');
    const lookups = replica.authenticator!.lookups;
    expect(await outcome(onReplica.admin.listApiKeys())).toBe('OK');
    expect(replica.authenticator!.lookups).toBe(lookups); // served from the replica's cache

    await t.client.admin.revokeApiKey(k.id);
    expect(await outcome(k.client.admin.listApiKeys())).toBe('UNAUTHENTICATED'); // the revoking replica: next call
    expect(await msUntilRefused(() => outcome(onReplica.admin.listApiKeys()))).toBeLessThan(1000);
    onReplica.close();
  });

  it('follows a change made straight in the database (NOTIFY from the trigger)', async () => {
    const k = await t.createKey({ tenant: 'default', role: 'reader' });
    const onReplica = new CityML({ address: replica.address, apiKey: k.apiKey });
    const probe = () => outcome(onReplica.admin.listApiKeys());
    expect(await probe()).toBe('PERMISSION_DENIED'); // authenticated (reader), cached
    const db = createDb(t.databaseUrl, { max: 1 });
    await db`update auth.api_keys set expires_at = now() - interval '1 second' where id = ${k.id}`;
    await db.end();
    expect(await msUntilRefused(probe)).toBeLessThan(1000);
    onReplica.close();
  });
});
