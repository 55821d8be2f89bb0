import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createDb, migrate, type Db, type SchemaMigrations } from './index';
import { createTestDatabase } from './testing';

const sets: SchemaMigrations[] = [
  {
    schema: 'demo',
    migrations: [
      { name: '001_init', sql: 'create table demo.things (tenant text not null, name text not null, primary key (tenant, name));' },
      { name: '002_more', sql: 'alter table demo.things add column size int;' },
    ],
  },
];

const distDb = join(__dirname, '../../../dist/libs/db/index.js');

/** Runs `migrate` in a separate Node process (the built bundle), resolving with its exit code. */
function migrateInChild(url: string): Promise<number> {
  const script = `require(${JSON.stringify(distDb)}).migrate(require(${JSON.stringify(distDb)}).createDb(process.env.URL), JSON.parse(process.env.SETS)).then(() => process.exit(0), (e) => { console.error(e); process.exit(1); })`;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-e', script], { env: { ...process.env, URL: url, SETS: JSON.stringify(sets) }, stdio: 'inherit' });
    child.on('exit', (code) => resolve(code ?? 1));
  });
}

describe('migrations', () => {
  let database: { url: string; drop(): Promise<void> };
  let db: Db;
  beforeEach(async () => {
    database = await createTestDatabase();
    db = createDb(database.url);
  });
  afterEach(async () => {
    await db.end();
    await database.drop();
  });

  it('apply once, and a second run applies nothing and changes nothing', async () => {
    expect(await migrate(db, sets)).toEqual(['demo/001_init', 'demo/002_more']);
    expect(await migrate(db, sets)).toEqual([]);
    const cols = await db`select column_name from information_schema.columns where table_schema = 'demo' and table_name = 'things' order by 1`;
    expect(cols.map((c) => c.column_name)).toEqual(['name', 'size', 'tenant']);
    const [{ n }] = await db`select count(*)::int as n from cityml_meta.migrations where schema_name = 'demo'`;
    expect(n).toBe(2);
  });

  it('run from two processes at once without error or duplicate objects', async () => {
    const codes = await Promise.all([migrateInChild(database.url), migrateInChild(database.url)]);
    expect(codes).toEqual([0, 0]);
    const [{ n }] = await db`select count(*)::int as n from cityml_meta.migrations where schema_name = 'demo'`;
    expect(n).toBe(2);
    const tables = await db`select table_name from information_schema.tables where table_schema = 'demo'`;
    expect(tables).toHaveLength(1);
  });

  it('refuse a migration whose text changed after it was applied', async () => {
    await migrate(db, sets);
    const changed = [{ schema: 'demo', migrations: [{ name: '001_init', sql: 'select 1;' }] }];
    await expect(migrate(db, changed)).rejects.toThrow(/demo\/001_init changed/);
  });

  it('apply nothing when one migration fails', async () => {
    const broken = [{ schema: 'demo', migrations: [...sets[0].migrations, { name: '003_bad', sql: 'alter table demo.nope add column x int;' }] }];
    await expect(migrate(db, broken)).rejects.toThrow();
    const [{ n }] = await db`select count(*)::int as n from information_schema.tables where table_schema = 'demo'`;
    expect(n).toBe(0);
  });
});
