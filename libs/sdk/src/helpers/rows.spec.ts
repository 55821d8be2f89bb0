import { common } from '@cityml/proto';
import { parseModelRef, toRowBatch } from '../index';

const T = common.ColumnType;

describe('the plain-row conversion', () => {
  it('types columns by their values and marks missing values as nulls', () => {
    const batch = toRowBatch([
      { ts: '2026-01-05T05:00:00Z', sensor: 'S01', flow: 12.5, ok: true },
      { ts: new Date('2026-01-05T06:00:00Z'), sensor: 'S02', flow: null },
    ]);
    expect(batch.rowCount).toBe(2);
    const by = Object.fromEntries(batch.columns.map((c) => [c.name, c]));
    expect(by.ts.type).toBe(T.COLUMN_TYPE_TIMESTAMP);
    expect(by.ts.timestamps).toEqual([Date.parse('2026-01-05T05:00:00Z') * 1000, Date.parse('2026-01-05T06:00:00Z') * 1000]);
    expect(by.sensor).toMatchObject({ type: T.COLUMN_TYPE_TEXT, strings: ['S01', 'S02'] });
    expect(by.flow.type).toBe(T.COLUMN_TYPE_NUMBER);
    expect(by.flow.numbers[0]).toBe(12.5);
    expect([...by.flow.nulls]).toEqual([0b10]);
    expect(by.ok.type).toBe(T.COLUMN_TYPE_BOOLEAN);
    expect([...by.ok.nulls]).toEqual([0b10]);
  });

  it('reads model references with an alias or a version', () => {
    expect(parseModelRef('traffic')).toEqual({ name: 'traffic' });
    expect(parseModelRef('traffic@production')).toEqual({ name: 'traffic', alias: 'production' });
    expect(parseModelRef('traffic@3')).toEqual({ name: 'traffic', version: 3 });
    expect(parseModelRef('traffic@v4')).toEqual({ name: 'traffic', version: 4 });
  });
});
