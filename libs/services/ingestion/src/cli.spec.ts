import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, run } from '@cityml/platform/live-up';
import { startTestPlatform, type TestPlatform } from '@cityml/platform/testing';
import { T, us } from './testing';
import { writeParquet } from './testing-parquet';

jest.setTimeout(60_000);


describe('cityml ingest and cityml datasets', () => {
  let t: TestPlatform;
  let dir: string;
  beforeAll(async () => {
    t = await startTestPlatform({ services: ['ingestion'] });
    dir = mkdtempSync(join(tmpdir(), 'cityml-cli-'));
  });
  afterAll(async () => {
    await t?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function cityml(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const r = await run([CLI, ...args, '--address', t.address, '--api-key', t.apiKey], { env: { CITYML_DATA_DIR: dir } });
    return { ...r, code: r.code ?? -1 };
  }
  const file = (name: string, text: string) => {
    const f = join(dir, name);
    writeFileSync(f, text);
    return f;
  };

  it('imports a CSV with quoted commas, quotes and newlines inside fields, inferring the schema with --create', async () => {
    const csv = file(
      'air.csv',
      [
        'at,station,pm25,note',
        '2024-03-01T10:00:00Z,"Main St, north",12.5,"said ""hi"", left"',
        '2024-03-01 11:00:00,south,,"two',
        'lines"',
        '2024-03-01T12:00:00+01:00,south,7,plain',
        '2024-03-01T13:00:00Z,"Main St, north",8.25,',
        '',
      ].join('\n'),
    );
    const r = await cityml('ingest', 'air', csv, '--create', '--time-zone', 'Europe/Paris', '--batch-id', 'air-1', '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ rowsAccepted: 4, version: { version: 1, rowCount: 4, batchId: 'air-1' } });
    const d = await t.client.ingestion.getDataset('air');
    expect(d.schema).toEqual({
      columns: [
        { name: 'at', type: T.COLUMN_TYPE_TIMESTAMP, nullable: false, description: '' },
        { name: 'station', type: T.COLUMN_TYPE_CATEGORY, nullable: false, description: '' },
        { name: 'pm25', type: T.COLUMN_TYPE_NUMBER, nullable: true, description: '' },
        { name: 'note', type: T.COLUMN_TYPE_TEXT, nullable: true, description: '' },
      ],
      timeColumn: 'at',
      timeZone: 'Europe/Paris',
    });
    expect(await t.client.ingestion.readRecords({ dataset: 'air' })).toEqual([
      { at: us('2024-03-01T10:00:00Z'), station: 'Main St, north', pm25: 12.5, note: 'said "hi", left' },
      { at: us('2024-03-01T10:00:00Z'), station: 'south', pm25: null, note: 'two\nlines' },
      { at: us('2024-03-01T11:00:00Z'), station: 'south', pm25: 7, note: 'plain' },
      { at: us('2024-03-01T13:00:00Z'), station: 'Main St, north', pm25: 8.25, note: null },
    ]);
    const again = await cityml('ingest', 'air', csv, '--batch-id', 'air-1', '--json');
    expect(JSON.parse(again.stdout)).toMatchObject({ duplicate: true, version: { version: 1 } });
  });

  it('rejects a file with a bad row, naming its row, source line, column and reason, and exits 1', async () => {
    const csv = file('bad.csv', ['at,station,pm25,note', '2024-03-02T10:00:00Z,a,1,"x', 'y"', '2024-03-02T11:00:00Z,b,lots,z', ''].join('\n'));
    const r = await cityml('ingest', 'air', csv);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('INVALID_ARGUMENT');
    expect(r.stderr).toContain('row 2, line 4, column pm25: not a number: "lots"');
    expect((await t.client.ingestion.getDataset('air')).latestVersion).toBe(1);
    const skipped = await cityml('ingest', 'air', csv, '--skip-invalid', '--json');
    expect(skipped.code).toBe(0);
    expect(JSON.parse(skipped.stdout)).toMatchObject({ rowsAccepted: 1, rowsRejected: 1, errors: [{ row: 2, line: 4, column: 'pm25' }] });
    const q = await cityml('datasets', 'quarantine', 'air', '--json');
    expect(JSON.parse(q.stdout)).toEqual([expect.objectContaining({ row: 2, line: 4, column: 'pm25', rawJson: expect.stringContaining('"lots"') })]);
  });

  it('imports JSON lines and shows datasets, statistics and drift as JSON', async () => {
    const jsonl = file('m.jsonl', ['{"at":"2024-03-03T00:00:00Z","station":"south","pm25":3}', '', '{"at":"2024-03-03T01:00:00Z","station":"east","pm25":null,"note":"ü"}', ''].join('\n'));
    const r = await cityml('ingest', 'air', jsonl, '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ version: { version: 3, batchRows: 2, rowCount: 7 } });
    const list = JSON.parse((await cityml('datasets', 'list', '--json')).stdout);
    expect(list.map((d: { name: string }) => d.name)).toEqual(['air']);
    const show = JSON.parse((await cityml('datasets', 'show', 'air', '--json')).stdout);
    expect(show.versions.map((v: { version: number }) => v.version)).toEqual([1, 2, 3]);
    const stats = JSON.parse((await cityml('datasets', 'stats', 'air', '--json')).stdout);
    expect(stats.rowCount).toBe(7);
    expect(stats.columns.find((c: { name: string }) => c.name === 'pm25')).toMatchObject({ count: 5, nullCount: 2, numeric: { min: 1, max: 12.5 } });
    const diff = await cityml('datasets', 'diff', 'air', '1', '3', '--json');
    expect(diff.code).toBe(0);
    expect(JSON.parse(diff.stdout).columns.map((c: { column: string }) => c.column)).toEqual(['at', 'station', 'pm25']);
    const human = await cityml('datasets', 'stats', 'air');
    expect(human.stdout).toContain('air version 3: 7 rows');
  });

  it('imports a Parquet file row group by row group, keeping microseconds', async () => {
    const f = join(dir, 'p.parquet');
    writeFileSync(
      f,
      writeParquet(
        [
          { name: 'at', kind: 'timestamp_micros', values: [1709294400123456, 1709294460000000, 1709294520000001] },
          { name: 'v', kind: 'double', values: [1.5, null, -2] },
          { name: 'n', kind: 'int64', values: [1, -2, 3] },
          { name: 'word', kind: 'utf8', values: ['a', null, 'ü'] },
        ],
        2,
      ),
    );
    const r = await cityml('ingest', 'pq', f, '--create', '--json');
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toMatchObject({ rowsAccepted: 3, version: { version: 1 } });
    const d = await t.client.ingestion.getDataset('pq');
    expect(d.schema!.columns.map((c) => [c.name, c.type])).toEqual([
      ['at', T.COLUMN_TYPE_TIMESTAMP],
      ['v', T.COLUMN_TYPE_NUMBER],
      ['n', T.COLUMN_TYPE_INTEGER],
      ['word', T.COLUMN_TYPE_CATEGORY],
    ]);
    expect(await t.client.ingestion.readRecords({ dataset: 'pq' })).toEqual([
      { at: 1709294400123456, v: 1.5, n: 1, word: 'a' },
      { at: 1709294460000000, v: null, n: -2, word: null },
      { at: 1709294520000001, v: -2, n: 3, word: 'ü' },
    ]);
  });

  it('exits 2 on a usage error and 1 on an unknown dataset', async () => {
    expect((await cityml('ingest', 'nope', join(dir, 'air.csv'))).code).toBe(1);
    expect((await cityml('ingest', 'nope', join(dir, 'air.txt'))).code).toBe(2);
  });
});
