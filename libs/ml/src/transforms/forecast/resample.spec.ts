import { frameFromRows, frameToRows } from '../../frame/from-rows';
import type { FillMethod } from '../spec';
import { resampleSeries, WAS_GAP_COLUMN } from './resample';

const H = 3600_000;
const t0 = Date.UTC(2024, 0, 1);
const at = (hours: number) => new Date(t0 + hours * H).toISOString();
// hours 0, 1, 4, 5 (twice, mean 7), 6: gaps at hours 2 and 3
const readings = [
  { at: at(0), flow: 1, sensor: 'a', temp: 10 },
  { at: at(1), flow: 2, sensor: 'a', temp: 11 },
  { at: at(4.5), flow: 5, sensor: 'a', temp: 14 },
  { at: at(5.1), flow: 6, sensor: 'a', temp: 15 },
  { at: at(5.9), flow: 8, sensor: 'a', temp: 16 },
  { at: at(6), flow: 3, sensor: 'a', temp: 17 },
];
const schema = { at: 'timestamp', flow: 'number', sensor: 'category', temp: 'number' } as const;

function resample(rows: typeof readings, fill: FillMethod, groupColumn: string | null = null) {
  const out = resampleSeries(frameFromRows(rows, schema), {
    timeColumn: 'at',
    targetColumn: 'flow',
    frequencySeconds: 3600,
    groupColumn,
    fill,
    fillMean: 100,
  });
  return { ...out, rows: frameToRows(out.frame) };
}

describe('resampling', () => {
  it('puts readings on the frequency grid, averaging a step with two readings', () => {
    const { rows } = resample(readings, 'zero');
    expect(rows.map((r) => r.at)).toEqual([0, 1, 2, 3, 4, 5, 6].map((h) => new Date(t0 + h * H).toISOString()));
    expect(rows.map((r) => r.flow)).toEqual([1, 2, 0, 0, 5, 7, 3]);
    expect(rows.map((r) => r[WAS_GAP_COLUMN])).toEqual([false, false, true, true, false, false, false]);
    // other columns take the last row of the step; a gap step has none
    expect(rows.map((r) => r.temp)).toEqual([10, 11, null, null, 14, 16, 17]);
  });

  it.each<[FillMethod, number[]]>([
    ['ffill', [1, 2, 2, 2, 5, 7, 3]],
    ['linear', [1, 2, 3, 4, 5, 7, 3]],
    ['zero', [1, 2, 0, 0, 5, 7, 3]],
    ['mean', [1, 2, 100, 100, 5, 7, 3]],
  ])('fills gaps by %s', (fill, expected) => {
    expect(resample(readings, fill).rows.map((r) => r.flow)).toEqual(expected);
  });

  it('treats a null reading as a gap and fills edges from the nearest reading', () => {
    const rows = [{ ...readings[0], flow: null as unknown as number }, readings[1], { ...readings[2] }];
    expect(resample(rows, 'linear').rows.map((r) => r.flow)).toEqual([2, 2, 3, 4, 5]);
  });

  it('resamples each group as its own series, whatever the input order', () => {
    const b = readings.slice(0, 3).map((r) => ({ ...r, sensor: 'b', flow: r.flow * 10 }));
    const mixed = [b[2], readings[3], b[0], readings[0], readings[5], b[1], readings[1], readings[2], readings[4]];
    const { rows, groupKeys, groupStarts } = resample(mixed, 'linear', 'sensor');
    expect(groupKeys).toEqual(['b', 'a']);
    expect(Array.from(groupStarts)).toEqual([0, 5, 12]);
    expect(rows.slice(0, 5).map((r) => [r.sensor, r.flow])).toEqual([
      ['b', 10],
      ['b', 20],
      ['b', 30],
      ['b', 40],
      ['b', 50],
    ]);
    expect(rows.slice(5).map((r) => r.flow)).toEqual([1, 2, 3, 4, 5, 7, 3]);
  });
});
