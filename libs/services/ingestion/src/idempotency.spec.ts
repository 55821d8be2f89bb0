import { status } from '@grpc/grpc-js';
import { startTestPlatform, type TestPlatform } from '@cityml/platform/testing';
import { rowBatchFromRecords } from '@cityml/sdk';
import { col, T } from './testing';

const schema = { columns: [col('id', T.COLUMN_TYPE_INTEGER, false), col('v', T.COLUMN_TYPE_NUMBER)], timeColumn: '', timeZone: '' };
const rows = (from: number, n: number) => rowBatchFromRecords(schema, Array.from({ length: n }, (_, i) => ({ id: from + i, v: (from + i) / 2 })));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('idempotent, atomic and concurrent ingest', () => {
  let t: TestPlatform;
  beforeAll(async () => {
    t = await startTestPlatform({ services: ['ingestion'] });
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('returns the committed version and adds nothing when a batch is resent with the same batch_id', async () => {
    await t.client.ingestion.createDataset({ name: 'idem', schema });
    const first = await t.client.ingestion.ingest('idem', [rows(1, 3), rows(4, 2)], { batchId: 'b-1' });
    expect(first).toMatchObject({ duplicate: false, rowsAccepted: 5, version: { version: 1, rowCount: 5, batchId: 'b-1' } });
    const again = await t.client.ingestion.ingest('idem', [rows(1, 3), rows(4, 2)], { batchId: 'b-1' });
    expect(again).toMatchObject({ duplicate: true, rowsAccepted: 5, version: { version: 1, rowCount: 5, batchId: 'b-1' } });
    expect(await t.client.ingestion.getDataset('idem')).toMatchObject({ latestVersion: 1, rowCount: 5 });
    expect((await t.client.ingestion.readRecords({ dataset: 'idem' })).map((r) => r.id)).toEqual([1, 2, 3, 4, 5]);
  });

  it('refuses a reused batch_id with other content, naming the batch_id', async () => {
    const err = await t.client.ingestion.ingest('idem', [rows(100, 3)], { batchId: 'b-1' }).catch((e) => e);
    expect(err).toMatchObject({ code: status.ALREADY_EXISTS, message: expect.stringContaining('"b-1"') });
    expect(await t.client.ingestion.getDataset('idem')).toMatchObject({ latestVersion: 1, rowCount: 5 });
  });

  it('commits nothing when the client breaks the stream off', async () => {
    await t.client.ingestion.createDataset({ name: 'broken', schema });
    async function* source() {
      yield rows(1, 1000);
      yield rows(1001, 1000);
      await sleep(100); // let the server COPY the first messages in
      throw new Error('client gave up');
    }
    await expect(t.client.ingestion.ingest('broken', source(), { batchId: 'x' })).rejects.toThrow('client gave up');
    await sleep(300);
    expect(await t.client.ingestion.getDataset('broken')).toMatchObject({ latestVersion: 0, rowCount: 0 });
    expect((await t.client.ingestion.listVersions({ dataset: 'broken' })).versions).toEqual([]);
    // The batch_id is still free and the next version holds only its own rows.
    const res = await t.client.ingestion.ingest('broken', [rows(7, 2)], { batchId: 'x' });
    expect(res).toMatchObject({ duplicate: false, version: { version: 1, rowCount: 2 } });
    expect((await t.client.ingestion.readRecords({ dataset: 'broken' })).map((r) => r.id)).toEqual([7, 8]);
  });

  it('gives two concurrent ingests two versions and loses no row', async () => {
    await t.client.ingestion.createDataset({ name: 'both', schema });
    async function* slow(from: number) {
      for (let k = 0; k < 4; k++) {
        yield rows(from + k * 100, 100);
        await sleep(20);
      }
    }
    const [a, b] = await Promise.all([t.client.ingestion.ingest('both', slow(0), { batchId: 'a' }), t.client.ingestion.ingest('both', slow(10_000), { batchId: 'b' })]);
    expect([a.version!.version, b.version!.version].sort()).toEqual([1, 2]);
    expect(Math.max(a.version!.rowCount, b.version!.rowCount)).toBe(800);
    expect(Math.min(a.version!.rowCount, b.version!.rowCount)).toBe(400);
    const ids = (await t.client.ingestion.readRecords({ dataset: 'both' })).map((r) => r.id as number).sort((x, y) => x - y);
    expect(ids).toEqual([...Array.from({ length: 400 }, (_, i) => i), ...Array.from({ length: 400 }, (_, i) => 10_000 + i)]);
    const firstVersion = a.version!.version === 1 ? 'a' : 'b';
    const v1 = (await t.client.ingestion.readRecords({ dataset: 'both', version: 1 })).map((r) => r.id as number);
    expect(v1).toHaveLength(400);
    expect(v1.every((id) => (firstVersion === 'a' ? id < 10_000 : id >= 10_000))).toBe(true);
    expect((await t.client.ingestion.getStatistics('both')).rowCount).toBe(800);
  });

  it('answers NOT_FOUND for an unknown dataset and INVALID_ARGUMENT for an empty stream', async () => {
    await expect(t.client.ingestion.ingest('nope', [rows(1, 1)])).rejects.toMatchObject({ code: status.NOT_FOUND });
    await expect(t.client.ingestion.ingestRows([])).rejects.toMatchObject({ code: status.INVALID_ARGUMENT });
  });
});
