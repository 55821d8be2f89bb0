import { randomBytes } from 'node:crypto';
import postgres from 'postgres';

/**
 * Test helper: a fresh, empty database in the test cluster (DATABASE_URL, or the
 * embedded Postgres that the jest global setup started), dropped by `drop()`.
 * Each test file gets its own database, so files run in parallel without sharing state.
 */
export async function createTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const base = process.env.CITYML_TEST_DATABASE_URL ?? process.env.DATABASE_URL;
  if (!base) throw new Error('no test database: run tests through `npm test` (it starts Postgres) or set DATABASE_URL');
  const name = `cityml_test_${randomBytes(6).toString('hex')}`;
  const admin = postgres(base, { max: 1, onnotice: () => undefined });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const a = postgres(base, { max: 1, onnotice: () => undefined });
      await a.unsafe(`drop database if exists ${name} with (force)`);
      await a.end();
    },
  };
}
