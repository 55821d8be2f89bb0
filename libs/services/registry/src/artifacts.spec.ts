import { createHash, randomBytes } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { createDb, type Db } from '@cityml/db';
import { startTestPlatform, type TestPlatform } from '@cityml/platform/testing';
import type { registry } from '@cityml/proto';
import { clientStream, type RegistryClient } from '@cityml/sdk';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

jest.setTimeout(30_000);

describe('registry artifacts', () => {
  let t: TestPlatform;
  let reg: RegistryClient;
  let db: Db;
  beforeAll(async () => {
    t = await startTestPlatform({ services: ['registry'] });
    reg = t.client.registry;
    db = createDb(t.databaseUrl, { max: 1 });
  });
  afterAll(async () => {
    await db?.end();
    await t?.stop();
  });

  const rawUpload = (messages: registry.UploadArtifactRequest[]) => clientStream<registry.UploadArtifactRequest, registry.UploadArtifactResponse>((cb) => reg.raw.uploadArtifact(cb), messages);
  const storedChunks = async () => Number((await db`select count(*)::int as n from artifacts.chunks`)[0].n);

  it('streams an artifact bigger than the 4 MB message limit up and down in chunks', async () => {
    const bytes = randomBytes(5 * 1024 * 1024 + 123);
    const progress: number[] = [];
    const up = await reg.uploadArtifact(bytes, { onProgress: (n) => progress.push(n) });
    expect(up).toEqual({ artifactId: sha256(bytes), sha256: sha256(bytes), size: bytes.length });
    expect(progress.length).toBe(6);
    const chunks: number[] = [];
    const parts: Buffer[] = [];
    for await (const c of reg.downloadArtifactStream(up.artifactId)) {
      chunks.push(c.length);
      parts.push(c);
    }
    expect(Math.max(...chunks)).toBeLessThanOrEqual(1024 * 1024);
    expect(Buffer.concat(parts).equals(bytes)).toBe(true);
    expect((await reg.downloadArtifact(up.artifactId)).equals(bytes)).toBe(true);
  });

  it('uploads a stream of unknown length, checked against the sha256 in its trailer', async () => {
    const parts = [randomBytes(700_000), randomBytes(900_000), randomBytes(10)];
    async function* source() {
      for (const p of parts) yield p;
    }
    const whole = Buffer.concat(parts);
    const up = await reg.uploadArtifact(source());
    expect(up).toMatchObject({ artifactId: sha256(whole), size: whole.length });
    expect((await reg.downloadArtifact(up.artifactId)).equals(whole)).toBe(true);
  });

  it('rejects a corrupt upload with INVALID_ARGUMENT and stores nothing', async () => {
    const before = await storedChunks();
    const good = randomBytes(3000);
    const corrupt = Buffer.from(good);
    corrupt[1234] ^= 0xff;
    const header = { mediaType: '', size: good.length, sha256: sha256(good) };
    await expect(rawUpload([{ header }, { chunk: corrupt.subarray(0, 1000) }, { chunk: corrupt.subarray(1000) }])).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
      message: expect.stringContaining('sha256 mismatch'),
    });
    await expect(rawUpload([{ header: { ...header, sha256: '' } }, { chunk: corrupt }, { trailer: { size: good.length, sha256: sha256(good) } }])).rejects.toMatchObject({ code: status.INVALID_ARGUMENT });
    await expect(rawUpload([{ header: { ...header, size: good.length + 1 } }, { chunk: good }])).rejects.toMatchObject({ code: status.INVALID_ARGUMENT, message: expect.stringContaining('size') });
    await expect(rawUpload([{ chunk: good }])).rejects.toMatchObject({ code: status.INVALID_ARGUMENT });
    await expect(rawUpload([{ header: { ...header, sha256: '' } }, { chunk: good }])).rejects.toMatchObject({ code: status.INVALID_ARGUMENT });
    expect(await storedChunks()).toBe(before);
    await expect(reg.downloadArtifact(sha256(corrupt))).rejects.toMatchObject({ code: status.NOT_FOUND });
    await expect(reg.downloadArtifact(sha256(good))).rejects.toMatchObject({ code: status.NOT_FOUND });
    // The same bytes, uncorrupted, are accepted.
    await expect(rawUpload([{ header }, { chunk: good }])).resolves.toMatchObject({ artifactId: sha256(good), size: good.length });
  });

  it('answers NOT_FOUND for an artifact of another tenant', async () => {
    const { artifactId } = await reg.uploadArtifact(Buffer.from('secret bundle'));
    const other = await t.newTenant();
    await expect(other.client.registry.downloadArtifact(artifactId)).rejects.toMatchObject({ code: status.NOT_FOUND });
    await expect(other.client.registry.createModelVersion({ modelName: 'x', createModel: true, artifactId })).rejects.toMatchObject({ code: status.NOT_FOUND });
  });
});
