import type { FittedExpandStep } from './fitted';
import { HolidayCalendar } from './holidays';
import type { DatetimePart } from './spec';
import { civilFromDays, dayOfWeek, daysFromCivil, parseIsoDate, zoneOffsetFn } from './time-zone';

const MS_PER_DAY = 86_400_000;
const MS_PER_HOUR = 3_600_000;

/** Local calendar position of each timestamp: local day number (NaN when missing) and hour. */
export interface LocalTimes {
  days: Float64Array;
  hours: Uint8Array;
}

/** Converts epoch-microsecond timestamps (NaN = missing) to local days and hours in `tz`. */
export function localTimes(us: Float64Array, tz: string): LocalTimes {
  const n = us.length;
  const days = new Float64Array(n);
  const hours = new Uint8Array(n);
  const offset = zoneOffsetFn(tz);
  for (let i = 0; i < n; i++) {
    const t = us[i];
    if (t !== t) {
      days[i] = NaN;
      continue;
    }
    const ms = Math.floor(t / 1000);
    const local = ms + offset(ms);
    const d = Math.floor(local / MS_PER_DAY);
    days[i] = d;
    hours[i] = Math.floor((local - d * MS_PER_DAY) / MS_PER_HOUR);
  }
  return { days, hours };
}

/** Number of features a time expander writes. */
export function timeStepWidth(step: FittedExpandStep): number {
  if (step.kind === 'datetime') return step.parts.length * (step.cyclical ? 2 : 1);
  return 1;
}

/** Feature names of a time expander on column `col`. */
export function timeStepNames(step: FittedExpandStep, col: string): string[] {
  if (step.kind === 'datetime') {
    return step.parts.flatMap((p) => (step.cyclical ? [`${col}_${p}_sin`, `${col}_${p}_cos`] : [`${col}_${p}`]));
  }
  return [`${col}_${step.kind}`];
}

/** Writes date-time parts (raw or sin/cos) of each row into `out` at `offset` with row `stride`. */
function writeDatetime(
  step: Extract<FittedExpandStep, { kind: 'datetime' }>,
  lt: LocalTimes,
  out: Float32Array,
  stride: number,
  offset: number,
): void {
  const ymd = new Int32Array(3);
  let memoDay = NaN;
  let month = 0;
  let doy = 0;
  let yearDays = 365;
  const TWO_PI = 2 * Math.PI;
  for (let i = 0; i < lt.days.length; i++) {
    const d = lt.days[i];
    if (d !== d) continue;
    if (d !== memoDay) {
      civilFromDays(d, ymd);
      month = ymd[1] - 1;
      const jan1 = daysFromCivil(ymd[0], 1, 1);
      doy = d - jan1;
      yearDays = daysFromCivil(ymd[0] + 1, 1, 1) - jan1;
      memoDay = d;
    }
    let o = i * stride + offset;
    for (const part of step.parts) {
      let value = doy;
      let period = yearDays;
      if (part === 'hour') {
        value = lt.hours[i];
        period = 24;
      } else if (part === 'day_of_week') {
        value = dayOfWeek(d);
        period = 7;
      } else if (part === 'month') {
        value = month;
        period = 12;
      }
      if (step.cyclical) {
        const a = (TWO_PI * value) / period;
        out[o++] = Math.sin(a);
        out[o++] = Math.cos(a);
      } else out[o++] = value;
    }
  }
}

/** Writes one time expander's features (missing timestamps leave zeros). */
export function writeTimeStep(
  step: FittedExpandStep,
  lt: LocalTimes,
  out: Float32Array,
  stride: number,
  offset: number,
): void {
  if (step.kind === 'datetime') return writeDatetime(step, lt, out, stride, offset);
  const days = lt.days;
  if (step.kind === 'weekend') {
    for (let i = 0; i < days.length; i++) {
      const d = days[i];
      if (d === d && dayOfWeek(d) >= 5) out[i * stride + offset] = 1;
    }
    return;
  }
  if (step.kind !== 'holiday') throw new Error(`not a time step: ${step.kind}`);
  const cal = new HolidayCalendar(step.dates.map(parseIsoDate), step.calendar);
  let memoDay = NaN;
  let memo = false;
  for (let i = 0; i < days.length; i++) {
    const d = days[i];
    if (d !== d) continue;
    if (d !== memoDay) {
      memo = cal.isHoliday(d);
      memoDay = d;
    }
    if (memo) out[i * stride + offset] = 1;
  }
}

/** The fitted form of a datetime step (nothing is learned; defaults are filled in). */
export function fitDatetime(parts: DatetimePart[], cyclical = true): FittedExpandStep {
  return { kind: 'datetime', parts: [...parts], cyclical };
}
