import { frameFromRows } from '../frame/from-rows';
import { mulberry32 } from '../random';
import { applyTransform } from './apply';
import { localTimes } from './datetime';
import { fitTransform } from './fit';
import { usHolidays } from './holidays';
import type { FeatureSpec, Step } from './spec';
import { civilFromDays, daysFromCivil } from './time-zone';

const formats = new Map<string, Intl.DateTimeFormat>();
function intlParts(ms: number, timeZone: string) {
  let f = formats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric' });
    formats.set(timeZone, f);
  }
  const p = Object.fromEntries(f.formatToParts(new Date(ms)).map((x) => [x.type, Number(x.value)]));
  return { year: p.year, month: p.month, day: p.day, hour: p.hour % 24 };
}

function features(steps: Step[], times: string[], timeZone: string) {
  const spec: FeatureSpec = { task: 'regression', target: { column: 'y' }, features: [{ column: 't', steps }], timeZone };
  const frame = frameFromRows(times.map((t) => ({ t, y: 0 })), { t: 'timestamp', y: 'number' });
  const out = applyTransform(fitTransform(spec, frame), frame);
  const w = out.shape[1];
  return { names: out.featureNames, rows: times.map((_, i) => Array.from(out.x.subarray(i * w, (i + 1) * w))) };
}

describe('date-time features', () => {
  it('agree with Intl on local day and hour across zones and DST changes', () => {
    const rng = mulberry32(7);
    const start = Date.UTC(2019, 0, 1);
    const span = Date.UTC(2026, 0, 1) - start;
    const ms = Array.from({ length: 1000 }, () => Math.floor(start + rng() * span));
    // the exact minutes around New York's 2024 DST changes
    for (const edge of [Date.UTC(2024, 2, 10, 7), Date.UTC(2024, 10, 3, 6)]) ms.push(edge - 1000, edge, edge + 1000);
    for (const tz of ['America/New_York', 'Europe/Berlin', 'Australia/Lord_Howe', 'Asia/Kolkata', 'UTC']) {
      const lt = localTimes(Float64Array.from(ms, (m) => m * 1000), tz);
      const ymd = new Int32Array(3);
      ms.forEach((m, i) => {
        const want = intlParts(m, tz);
        civilFromDays(lt.days[i], ymd);
        expect([tz, ymd[0], ymd[1], ymd[2], lt.hours[i]]).toEqual([tz, want.year, want.month, want.day, want.hour]);
      });
    }
  });

  it('encode hour, day of week, month and day of year as sin and cos in the spec time zone', () => {
    // 2024-03-10T12:30Z is 08:30 EDT on Sunday, March 10 (day 69 of a leap year)
    const { names, rows } = features(
      [{ kind: 'datetime', parts: ['hour', 'day_of_week', 'month', 'day_of_year'] }],
      ['2024-03-10T12:30:00Z'],
      'America/New_York',
    );
    expect(names).toEqual(['t_hour_sin', 't_hour_cos', 't_day_of_week_sin', 't_day_of_week_cos', 't_month_sin', 't_month_cos', 't_day_of_year_sin', 't_day_of_year_cos']);
    const expected = [
      [8, 24],
      [6, 7],
      [2, 12],
      [69, 366],
    ].flatMap(([v, p]) => [Math.sin((2 * Math.PI * v) / p), Math.cos((2 * Math.PI * v) / p)]);
    expected.forEach((e, i) => expect(rows[0][i]).toBeCloseTo(e, 6));
  });

  it('emit the raw parts when cyclical encoding is off', () => {
    const { rows } = features([{ kind: 'datetime', parts: ['hour', 'day_of_week', 'month', 'day_of_year'], cyclical: false }], ['2024-12-31T23:00:00Z'], 'Europe/Berlin');
    expect(rows[0]).toEqual([0, 2, 0, 0]); // 00:00 on Wednesday, January 1, 2025 in Berlin
  });

  it('flag local weekends and listed holidays', () => {
    // Friday 23:30 in New York is already Saturday in UTC
    const { rows } = features(
      [{ kind: 'weekend' }, { kind: 'holiday', dates: ['2024-07-05'] }],
      ['2024-07-06T03:30:00Z', '2024-07-06T04:30:00Z', '2024-07-05T15:00:00Z'],
      'America/New_York',
    );
    expect(rows).toEqual([
      [0, 1],
      [1, 0],
      [0, 1],
    ]);
  });

  it('know the US holidays with their observed days', () => {
    const iso = (d: number) => {
      const ymd = new Int32Array(3);
      civilFromDays(d, ymd);
      return `${ymd[0]}-${String(ymd[1]).padStart(2, '0')}-${String(ymd[2]).padStart(2, '0')}`;
    };
    expect(usHolidays(2021).map(iso).sort()).toEqual(
      ['2021-01-01', '2021-01-18', '2021-02-15', '2021-05-31', '2021-07-04', '2021-07-05', '2021-09-06', '2021-11-25', '2021-12-24', '2021-12-25', '2021-12-31'].sort(),
    );
    expect(usHolidays(2022).map(iso).sort()).toEqual(
      ['2022-01-01', '2022-01-17', '2022-02-21', '2022-05-30', '2022-07-04', '2022-09-05', '2022-11-24', '2022-12-25', '2022-12-26'].sort(),
    );
    const { rows } = features([{ kind: 'holiday', calendar: 'us' }], ['2021-07-05T16:00:00Z', '2021-07-06T16:00:00Z'], 'America/Chicago');
    expect(rows).toEqual([[1], [0]]);
    expect(daysFromCivil(1970, 1, 1)).toBe(0);
  });
});
