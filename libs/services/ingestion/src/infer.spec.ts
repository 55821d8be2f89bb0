import { ingestion } from '@cityml/proto';
import { inferSchema } from './infer';
import { col, T } from './testing';

const CSV = ingestion.FileFormat.FILE_FORMAT_CSV;
const JSONL = ingestion.FileFormat.FILE_FORMAT_JSONL;

describe('schema inference from a sample', () => {
  it('infers types, nullability and the time column from CSV, with quoted fields', () => {
    const sample = ['id,when,temp,ok,zone,comment', '1,2024-01-01T00:00:00Z,1.5,true,a,"x, y"', '2,2024-01-01 01:00,,false,a,"multi', 'line"', '3,2024-01-01,3,yes,b,z', ''].join('\n');
    expect(inferSchema({ format: CSV, sample, timeZone: 'America/Chicago' })).toEqual({
      sampledRows: 3,
      schema: {
        columns: [
          col('id', T.COLUMN_TYPE_INTEGER, false),
          col('when', T.COLUMN_TYPE_TIMESTAMP, false),
          col('temp', T.COLUMN_TYPE_NUMBER, true),
          col('ok', T.COLUMN_TYPE_BOOLEAN, false),
          col('zone', T.COLUMN_TYPE_CATEGORY, false),
          col('comment', T.COLUMN_TYPE_TEXT, false),
        ],
        timeColumn: 'when',
        timeZone: 'America/Chicago',
      },
    });
  });

  it('infers from JSON lines, where a missing key or null makes a column nullable', () => {
    const sample = ['{"n":1,"x":2.5,"s":"a","b":true}', '{"n":2,"x":3,"s":"a"}', '{"n":3,"x":null,"s":"b","b":false,"at":"2024-05-01T10:00:00+02:00"}', '{"n":4,'].join('\n');
    const res = inferSchema({ format: JSONL, sample, timeZone: '' });
    expect(res.sampledRows).toBe(3);
    expect(res.schema!.columns).toEqual([
      col('n', T.COLUMN_TYPE_INTEGER, false),
      col('x', T.COLUMN_TYPE_NUMBER, true),
      col('s', T.COLUMN_TYPE_CATEGORY, false),
      col('b', T.COLUMN_TYPE_BOOLEAN, true),
      col('at', T.COLUMN_TYPE_TIMESTAMP, true),
    ]);
    expect(res.schema!.timeColumn).toBe('at');
  });

  it('refuses an unknown format, an empty sample and an unknown time zone with INVALID_ARGUMENT naming the field', () => {
    expect(() => inferSchema({ format: 0, sample: 'a\n1', timeZone: '' })).toThrow('format');
    expect(() => inferSchema({ format: CSV, sample: '', timeZone: '' })).toThrow('sample');
    expect(() => inferSchema({ format: CSV, sample: 'a\n1', timeZone: 'Nowhere/City' })).toThrow('time_zone');
  });
});
