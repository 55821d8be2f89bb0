import { createApiKeyAuthenticator, generateApiKey } from '@cityml/runtime';
import { Metadata } from '@grpc/grpc-js';
import { createDb, migrate, type Db } from '@cityml/db';
import { createTestDatabase } from '@cityml/db/testing';
import { adminModule, AuthStore, bootstrapAdminKey } from './index';

describe('a flood of made-up keys', () => {
  let database: { url: string; drop(): Promise<void> };
  let db: Db;
  beforeAll(async () => {
    database = await createTestDatabase();
    db = createDb(database.url, { max: 20 });
    await migrate(db, adminModule.migrations);
  });
  afterAll(async () => {
    await db?.end();
    await database?.drop();
  });

  it('keeps at most maxConcurrentLookups key lookups in flight, and a cached key answers meanwhile', async () => {
    const store = new AuthStore(db);
    let inFlight = 0;
    let peak = 0;
    // The real directory, counting how many lookups run at once.
    const counting = {
      lookup: async (hash: Buffer) => {
        peak = Math.max(peak, ++inFlight);
        try {
          await db`select pg_sleep(0.02)`;
          return await store.lookup(hash);
        } finally {
          inFlight--;
        }
      },
      subscribe: store.subscribe.bind(store),
    };
    const auth = await createApiKeyAuthenticator({ directory: counting, maxConcurrentLookups: 3 });
    const admin = await bootstrapAdminKey(store);
    const md = (key: string) => {
      const m = new Metadata();
      m.set('authorization', `Bearer ${key}`);
      return m;
    };
    await auth.authenticate(md(admin.key), '/x');
    const flood = Array.from({ length: 30 }, () => Promise.resolve(auth.authenticate(md(generateApiKey().key), '/x')).then(() => 'OK', (e: Error) => e.constructor.name));
    const t0 = performance.now();
    expect((await auth.authenticate(md(admin.key), '/x')).tenant).toBe('default');
    expect(performance.now() - t0).toBeLessThan(20); // cached: no lookup, no queue
    expect(new Set(await Promise.all(flood))).toEqual(new Set(['UnauthenticatedError']));
    expect(peak).toBe(3);
    await auth.close();
  });
});
