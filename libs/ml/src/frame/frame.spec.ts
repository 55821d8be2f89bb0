import { cellValue, frameFromColumns, isNull, numericColumn, stringColumn } from './frame';
import { frameFromRows, frameToRows } from './from-rows';
import { concatFrames, filterRows, selectColumns, sliceRows, takeRows } from './ops';

describe('frames', () => {
  const rows = [
    { speed: 10, lane: 'a', busy: true, at: '2024-01-01T00:00:00Z', note: 'ok' },
    { speed: null, lane: 'b', busy: false, at: '2024-01-01T01:00:00Z', note: null },
    { speed: 30, lane: null, busy: true, at: '2024-01-01T02:00:00Z', note: 'late' },
  ];
  const schema = { speed: 'number', lane: 'category', busy: 'boolean', at: 'timestamp', note: 'text' } as const;

  it('builds typed columns with null masks from row objects', () => {
    const f = frameFromRows(rows, schema);
    expect(f.rowCount).toBe(3);
    expect(f.columns.speed.values).toBeInstanceOf(Float64Array);
    expect(isNull(f.columns.speed, 1)).toBe(true);
    expect(isNull(f.columns.lane, 2)).toBe(true);
    expect(Array.from(f.columns.busy.values as Float64Array)).toEqual([1, 0, 1]);
    expect((f.columns.at.values as Float64Array)[1]).toBe(Date.parse('2024-01-01T01:00:00Z') * 1000);
    expect(cellValue(f.columns.at, 0)).toBe('2024-01-01T00:00:00.000Z');
  });

  it('infers column types when no schema is given', () => {
    const f = frameFromRows([{ a: 1, b: 'x', c: false }]);
    expect([f.columns.a.type, f.columns.b.type, f.columns.c.type]).toEqual(['number', 'category', 'boolean']);
  });

  it('rejects a value that does not fit its column type, naming column and row', () => {
    expect(() => frameFromRows([{ a: 1 }, { a: 'x' }], { a: 'number' })).toThrow(expect.objectContaining({ column: 'a', row: 1 }));
  });

  it('round-trips rows through a frame', () => {
    const back = frameToRows(frameFromRows(rows, schema));
    expect(back[1]).toEqual({ speed: null, lane: 'b', busy: false, at: '2024-01-01T01:00:00.000Z', note: null });
  });

  it('takes, slices, filters, selects and concatenates rows', () => {
    const f = frameFromRows(rows, schema);
    const t = takeRows(f, [2, -1, 0]);
    expect(frameToRows(t).map((r) => r.speed)).toEqual([30, null, 10]);
    expect(sliceRows(f, 1).rowCount).toBe(2);
    expect(frameToRows(filterRows(f, [1, 0, 1])).map((r) => r.note)).toEqual(['ok', 'late']);
    expect(Object.keys(selectColumns(f, ['lane']).columns)).toEqual(['lane']);
    const c = concatFrames([f, f]);
    expect(c.rowCount).toBe(6);
    expect(isNull(c.columns.lane, 5)).toBe(true);
  });

  it('checks that columns have one length', () => {
    expect(() =>
      frameFromColumns({ a: numericColumn('number', [1, 2]), b: stringColumn('category', ['x']) }),
    ).toThrow(/column b/);
  });
});
