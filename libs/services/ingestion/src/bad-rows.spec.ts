import { status } from '@grpc/grpc-js';
import { startTestPlatform, type TestPlatform } from '@cityml/platform/testing';
import { ingestion } from '@cityml/proto';
import type { RowBatchInput } from '@cityml/sdk';
import { col, T } from './testing';

const schema = { columns: [col('at', T.COLUMN_TYPE_TIMESTAMP, false), col('n', T.COLUMN_TYPE_NUMBER), col('k', T.COLUMN_TYPE_INTEGER, false)], timeColumn: 'at', timeZone: '' };
/** String columns, as the CLI sends them; the server parses them into the schema's types. */
const text = (records: [string, string, string][]): RowBatchInput => ({
  rowCount: records.length,
  columns: ['at', 'n', 'k'].map((name, j) => ({ name, type: T.COLUMN_TYPE_TEXT, strings: records.map((r) => r[j]) })),
});
const good = (i: number): [string, string, string] => [`2024-01-01T00:${String(i).padStart(2, '0')}:00Z`, String(i / 4), String(i)];

describe('bad rows', () => {
  let t: TestPlatform;
  beforeAll(async () => {
    t = await startTestPlatform({ services: ['ingestion'] });
    await t.client.ingestion.createDataset({ name: 'bad', schema });
  });
  afterAll(async () => {
    await t?.stop();
  });

  const stream = (): RowBatchInput[] => [
    text([good(1), ['2024-13-01T00:00:00Z', '1', '1'], good(3)]),
    text([good(4), good(5), ['2024-01-01T00:06:00Z', 'abc', '6'], ['2024-01-01T00:07:00Z', '7', '']]),
  ];

  it('rejects the whole stream by default, reporting each bad row by its 1-based number, column and reason', async () => {
    const err = await t.client.ingestion.ingest('bad', stream()).catch((e) => e);
    expect(err.code).toBe(status.INVALID_ARGUMENT);
    expect(err.message).toContain('3 of 7 rows are invalid');
    expect(err.details).toEqual([
      { row: 2, column: 'at', reason: expect.stringContaining('invalid date or time') },
      { row: 6, column: 'n', reason: expect.stringContaining('not a number') },
      { row: 7, column: 'k', reason: 'null where the column is not nullable' },
    ]);
    expect(await t.client.ingestion.getDataset('bad')).toMatchObject({ latestVersion: 0, rowCount: 0 });
  });

  it('reports source lines and at most max_reported_errors rows, with the total count', async () => {
    const rows = text([good(1), ['x', '1', '1'], ['y', '1', '1'], ['z', '1', '1']]);
    const err = await t.client.ingestion
      .ingestRows([{ dataset: 'bad', policy: ingestion.BadRowPolicy.BAD_ROW_POLICY_REJECT, maxReportedErrors: 2, rows, sourceLines: [2, 3, 5, 9] }])
      .catch((e) => e);
    expect(err.message).toContain('3 of 4 rows are invalid');
    expect(err.details.map((d: { row: number; line: number }) => [d.row, d.line])).toEqual([
      [2, 3],
      [3, 5],
    ]);
  });

  it('commits the good rows under skip-invalid and keeps the bad ones in the quarantine with their reasons', async () => {
    const res = await t.client.ingestion.ingest('bad', stream(), { skipInvalid: true, batchId: 'q1' });
    expect(res).toMatchObject({ rowsAccepted: 4, rowsRejected: 3, version: { version: 1, rowCount: 4, quarantinedRows: 3 } });
    expect(res.errors.map((e) => [e.row, e.column])).toEqual([
      [2, 'at'],
      [6, 'n'],
      [7, 'k'],
    ]);
    expect((await t.client.ingestion.readRecords({ dataset: 'bad' })).map((r) => r.k)).toEqual([1, 3, 4, 5]);
    const q = await t.client.ingestion.listQuarantine({ dataset: 'bad', pageSize: 2 });
    expect(q.rows).toEqual([
      { batchId: 'q1', version: 1, row: 2, line: 0, column: 'at', reason: expect.stringContaining('invalid date'), rawJson: JSON.stringify({ at: '2024-13-01T00:00:00Z', n: '1', k: '1' }) },
      { batchId: 'q1', version: 1, row: 6, line: 0, column: 'n', reason: expect.stringContaining('not a number'), rawJson: JSON.stringify({ at: '2024-01-01T00:06:00Z', n: 'abc', k: '6' }) },
    ]);
    const q2 = await t.client.ingestion.listQuarantine({ dataset: 'bad', pageToken: q.nextPageToken });
    expect(q2.rows.map((r) => r.row)).toEqual([7]);
    expect((await t.client.ingestion.getStatistics('bad')).columns.find((c) => c.name === 'k')).toMatchObject({ count: 4, nullCount: 0 });
  });

  it('refuses a batch whose columns do not fit the schema as a whole, naming the column', async () => {
    const wrong: RowBatchInput = { rowCount: 1, columns: [{ name: 'at', type: T.COLUMN_TYPE_BOOLEAN, booleans: [true] }] };
    await expect(t.client.ingestion.ingest('bad', [wrong])).rejects.toMatchObject({ code: status.INVALID_ARGUMENT, message: expect.stringContaining('"at"') });
    const unknown: RowBatchInput = { rowCount: 1, columns: [{ name: 'zzz', type: T.COLUMN_TYPE_NUMBER, numbers: [1] }] };
    await expect(t.client.ingestion.ingest('bad', [unknown])).rejects.toMatchObject({ code: status.INVALID_ARGUMENT, message: expect.stringContaining('"zzz"') });
    const short: RowBatchInput = { rowCount: 2, columns: [{ name: 'at', type: T.COLUMN_TYPE_TIMESTAMP, timestamps: [1] }, { name: 'k', type: T.COLUMN_TYPE_INTEGER, integers: [1, 2] }] };
    await expect(t.client.ingestion.ingest('bad', [short])).rejects.toMatchObject({ code: status.INVALID_ARGUMENT, message: expect.stringContaining('1 values for 2 rows') });
  });
});
