import { createHash, randomBytes } from 'node:crypto';
import { ArtifactIntegrityError, ArtifactNotFoundError, PostgresArtifactStore, artifactMigrations, createDb, migrate, type Db } from './index';
import { createTestDatabase } from './testing';

async function* pieces(buf: Buffer, size: number): AsyncIterable<Buffer> {
  for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size);
}

describe('the artifact store', () => {
  let database: { url: string; drop(): Promise<void> };
  let db: Db;
  let store: PostgresArtifactStore;
  beforeAll(async () => {
    database = await createTestDatabase();
    db = createDb(database.url);
    await migrate(db, [artifactMigrations]);
    store = new PostgresArtifactStore(db);
  });
  afterAll(async () => {
    await db.end();
    await database.drop();
  });

  it('streams a blob larger than the gRPC message limit in and out unchanged', async () => {
    const blob = randomBytes(9 * 1024 * 1024 + 123); // > 4 MiB default gRPC limit
    const sha = createHash('sha256').update(blob).digest('hex');
    const info = await store.put('t1', pieces(blob, 300_000), { sha256: sha, size: blob.length });
    expect(info).toMatchObject({ id: sha, size: blob.length });
    const chunks: Buffer[] = [];
    for await (const c of store.get('t1', sha)) {
      expect(c.length).toBeLessThanOrEqual(1024 * 1024);
      chunks.push(c);
    }
    expect(Buffer.concat(chunks).equals(blob)).toBe(true);
  });

  it('refuses a wrong sha256 and stores nothing', async () => {
    const blob = randomBytes(2_000_000);
    const wrong = createHash('sha256').update('something else').digest('hex');
    await expect(store.put('t1', pieces(blob, 65536), { sha256: wrong })).rejects.toThrow(ArtifactIntegrityError);
    const right = createHash('sha256').update(blob).digest('hex');
    await expect(store.stat('t1', right)).rejects.toThrow(ArtifactNotFoundError);
    const [{ n }] = await db`select count(*)::int as n from artifacts.chunks where blob_id like 'staging-%'`;
    expect(n).toBe(0);
  });

  it('stores the same content once and keeps tenants apart', async () => {
    const blob = Buffer.from('same bytes');
    const a = await store.put('t1', [blob]);
    const b = await store.put('t1', [blob]);
    expect(b.id).toBe(a.id);
    await expect(store.stat('t2', a.id)).rejects.toThrow(ArtifactNotFoundError);
    expect((await store.getBuffer('t1', a.id)).toString()).toBe('same bytes');
  });
});
