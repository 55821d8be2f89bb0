import { status } from '@grpc/grpc-js';
import { startTestPlatform, type TestPlatform } from '@cityml/platform/testing';
import { rowBatchFromRecords } from '@cityml/sdk';
import { col, T, us } from './testing';

describe('datasets and a round trip of every column type', () => {
  let t: TestPlatform;
  beforeAll(async () => {
    t = await startTestPlatform({ services: ['ingestion'] });
  });
  afterAll(async () => {
    await t?.stop();
  });

  const schema = {
    columns: [
      col('at', T.COLUMN_TYPE_TIMESTAMP, false),
      col('reading', T.COLUMN_TYPE_NUMBER),
      col('count', T.COLUMN_TYPE_INTEGER),
      col('ok', T.COLUMN_TYPE_BOOLEAN),
      col('station', T.COLUMN_TYPE_CATEGORY),
      col('note', T.COLUMN_TYPE_TEXT),
    ],
    timeColumn: 'at',
    timeZone: 'Europe/Berlin',
  };

  it('reads back every column type, nulls, non-ASCII text and timestamps with offsets exactly', async () => {
    await t.client.ingestion.createDataset({ name: 'air', schema });
    const records = [
      { at: us('2024-03-01T12:00:00.123456Z') + 0.0, reading: 1.5, count: -7, ok: true, station: 'Zürich-Ost', note: 'naïve café 北京 🚲' },
      { at: us('2024-03-01T12:00:00Z'), reading: null, count: null, ok: null, station: null, note: null },
      { at: us('1969-12-31T23:59:59Z'), reading: -1e300, count: 9007199254740991, ok: false, station: 'a', note: 'tab\there\nnewline \\ back' },
    ];
    records[0].at = us('2024-03-01T12:00:00Z') + 123456;
    const res = await t.client.ingestion.ingest('air', [rowBatchFromRecords(schema, records)]);
    expect(res.version).toMatchObject({ version: 1, rowCount: 3, batchRows: 3 });
    expect(await t.client.ingestion.readRecords({ dataset: 'air' })).toEqual(records);
  });

  it('parses strings into the declared types, local times in the dataset time zone and offsets as given', async () => {
    const strings = (name: string, values: (string | null)[]) => ({
      name,
      type: T.COLUMN_TYPE_TEXT,
      strings: values.map((v) => v ?? ''),
      nulls: Uint8Array.from([values.reduce((m, v, i) => (v === null ? m | (1 << i) : m), 0)]),
    });
    const res = await t.client.ingestion.ingest('air', [
      {
        rowCount: 3,
        columns: [
          strings('at', ['2024-07-01 12:00:00', '2024-07-01T12:00:00+05:30', '2024-01-15T08:00']),
          strings('reading', ['2.25', '-3e2', null]),
          strings('count', ['42', '', '-1']),
          strings('ok', ['yes', 'FALSE', '1']),
        ],
      },
    ]);
    expect(res.rowsAccepted).toBe(3);
    const rows = await t.client.ingestion.readRecords({ dataset: 'air', columns: ['at', 'reading', 'count', 'ok'] });
    expect(rows.slice(3)).toEqual([
      { at: us('2024-07-01T10:00:00Z'), reading: 2.25, count: 42, ok: true },
      { at: us('2024-07-01T06:30:00Z'), reading: -300, count: null, ok: false },
      { at: us('2024-01-15T07:00:00Z'), reading: null, count: -1, ok: true },
    ]);
  });

  it('reads a version, a column subset and a time range', async () => {
    const v1 = await t.client.ingestion.readRecords({ dataset: 'air', version: 1, columns: ['count'] });
    expect(v1).toEqual([{ count: -7 }, { count: null }, { count: 9007199254740991 }]);
    const ranged = await t.client.ingestion.readRecords({ dataset: 'air', columns: ['count'], startTime: new Date('2024-03-01T00:00:00Z'), endTime: new Date('2024-07-01T08:00:00Z') });
    expect(ranged).toEqual([{ count: -7 }, { count: null }, { count: null }]);
    await expect(t.client.ingestion.readRecords({ dataset: 'air', version: 9 })).rejects.toMatchObject({ code: status.NOT_FOUND });
  });

  it('round-trips a text value larger than a COPY chunk', async () => {
    const big = { columns: [col('id', T.COLUMN_TYPE_INTEGER, false), col('body', T.COLUMN_TYPE_TEXT)], timeColumn: '', timeZone: '' };
    await t.client.ingestion.createDataset({ name: 'large', schema: big });
    const body = 'ü'.repeat(1_500_000) + '\t\n\\';
    await t.client.ingestion.ingest('large', [rowBatchFromRecords(big, [{ id: 1, body: 'small' }, { id: 2, body }, { id: 3, body: '' }])]);
    const rows = await t.client.ingestion.readRecords({ dataset: 'large' });
    expect(rows.map((r) => r.id)).toEqual([1, 2, 3]);
    expect(rows[1].body === body).toBe(true);
    expect(rows[2].body).toBe('');
    const stats = await t.client.ingestion.getStatistics('large');
    expect(stats.columns[1].text).toEqual({ minLength: 0, maxLength: 1_500_003, meanLength: (5 + 1_500_003) / 3 });
  });

  it('streams a version in messages of batch_size rows', async () => {
    const chunks = [];
    for await (const r of t.client.ingestion.readRows({ dataset: 'air', batchSize: 2 })) chunks.push(r.rows!.rowCount);
    expect(chunks).toEqual([2, 2, 2]);
  });

  it("keeps tenants apart: another tenant neither sees nor collides with this tenant's datasets", async () => {
    const other = await t.newTenant();
    await expect(other.client.ingestion.getDataset('air')).rejects.toMatchObject({ code: status.NOT_FOUND });
    await expect(other.client.ingestion.readRecords({ dataset: 'air' })).rejects.toMatchObject({ code: status.NOT_FOUND });
    const mine = await other.client.ingestion.createDataset({ name: 'air', schema });
    expect(mine.latestVersion).toBe(0);
    expect((await other.client.ingestion.listDatasets()).datasets.map((d) => d.name)).toEqual(['air']);
    expect((await t.client.ingestion.getDataset('air')).latestVersion).toBe(2);
  });

  it('refuses bad names, duplicate names and bad schemas with INVALID_ARGUMENT naming the field', async () => {
    for (const name of ['Air', '1air', 'a'.repeat(64), 'air quality', '']) {
      await expect(t.client.ingestion.createDataset({ name, schema })).rejects.toMatchObject({ code: status.INVALID_ARGUMENT, message: expect.stringContaining('name') });
    }
    await expect(t.client.ingestion.createDataset({ name: 'air', schema })).rejects.toMatchObject({ code: status.ALREADY_EXISTS });
    await expect(t.client.ingestion.createDataset({ name: 'x', schema: { ...schema, timeColumn: 'reading' } })).rejects.toMatchObject({ code: status.INVALID_ARGUMENT, message: expect.stringContaining('schema.time_column') });
    await expect(t.client.ingestion.createDataset({ name: 'x', schema: { ...schema, timeZone: 'Mars/Olympus' } })).rejects.toMatchObject({ code: status.INVALID_ARGUMENT, message: expect.stringContaining('schema.time_zone') });
  });

  it('lists datasets page by page and hides deleted ones', async () => {
    for (const n of ['b1', 'b2', 'b3']) await t.client.ingestion.createDataset({ name: n, schema });
    const p1 = await t.client.ingestion.listDatasets({ pageSize: 2, namePrefix: 'b' });
    expect(p1.datasets.map((d) => d.name)).toEqual(['b1', 'b2']);
    const p2 = await t.client.ingestion.listDatasets({ pageSize: 2, namePrefix: 'b', pageToken: p1.nextPageToken });
    expect(p2.datasets.map((d) => d.name)).toEqual(['b3']);
    expect(p2.nextPageToken).toBe('');
    await t.client.ingestion.deleteDataset('b2');
    await expect(t.client.ingestion.getDataset('b2')).rejects.toMatchObject({ code: status.NOT_FOUND });
    const all = [];
    for await (const d of t.client.ingestion.datasets('b')) all.push(d.name);
    expect(all).toEqual(['b1', 'b3']);
    const air = await t.client.ingestion.getDataset('air');
    expect(air).toMatchObject({ latestVersion: 2, rowCount: 6 });
  });
});
