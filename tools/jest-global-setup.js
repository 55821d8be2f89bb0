// Starts one Postgres for the whole test run unless DATABASE_URL points at one.
// Test files then create their own databases in it (libs/db/src/testing.ts).
const { mkdtempSync, chmodSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

module.exports = async function globalSetup() {
  if (process.env.DATABASE_URL) {
    process.env.CITYML_TEST_DATABASE_URL = process.env.DATABASE_URL;
    return;
  }
  const { startEmbeddedPostgres } = require('../dist/libs/db/index.js');
  const dir = mkdtempSync(join(tmpdir(), 'cityml-test-pg-'));
  chmodSync(dir, 0o755);
  const pg = await startEmbeddedPostgres({ dataDir: dir, fast: true });
  process.env.CITYML_TEST_DATABASE_URL = pg.url;
  globalThis.__CITYML_PG__ = { pg, dir };
};
