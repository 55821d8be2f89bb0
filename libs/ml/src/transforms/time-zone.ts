/**
 * Local time in an IANA time zone, fast: Intl.DateTimeFormat is asked only about a zone's
 * offset once per UTC day (plus a short search on the rare days an offset changes), and
 * the local calendar fields come from integer arithmetic.
 */

const MS_PER_DAY = 86_400_000;
const formatters = new Map<string, Intl.DateTimeFormat>();
const zones = new Map<string, ZoneOffsets>();

/** True when `tz` is an IANA time zone name this runtime knows. */
export function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(tz, f);
  }
  return f;
}

/** The zone's UTC offset in milliseconds at instant `ms` (local = utc + offset), asking Intl. */
export function offsetFromIntl(tz: string, ms: number): number {
  const whole = Math.floor(ms / 1000) * 1000;
  const p: Record<string, number> = {};
  for (const part of formatter(tz).formatToParts(new Date(whole))) {
    if (part.type !== 'literal') p[part.type] = Number(part.value);
  }
  const hour = p.hour === 24 ? 0 : p.hour;
  return Date.UTC(p.year, p.month - 1, p.day, hour, p.minute, p.second) - whole;
}

interface DayOffsets {
  before: number;
  after: number;
  /** First instant (ms) of `after`; Infinity when the day has one offset. */
  switchAt: number;
}

class ZoneOffsets {
  private readonly days = new Map<number, DayOffsets>();
  private lastDay = NaN;
  private last: DayOffsets = { before: 0, after: 0, switchAt: Infinity };

  constructor(private readonly tz: string) {}

  offset(ms: number): number {
    const day = Math.floor(ms / MS_PER_DAY);
    if (day !== this.lastDay) {
      let e = this.days.get(day);
      if (!e) {
        e = this.compute(day);
        if (this.days.size > 100_000) this.days.clear();
        this.days.set(day, e);
      }
      this.lastDay = day;
      this.last = e;
    }
    return ms < this.last.switchAt ? this.last.before : this.last.after;
  }

  private compute(day: number): DayOffsets {
    const start = day * MS_PER_DAY;
    const end = start + MS_PER_DAY - 1000;
    const before = offsetFromIntl(this.tz, start);
    const after = offsetFromIntl(this.tz, end);
    if (before === after) return { before, after, switchAt: Infinity };
    let lo = start; // offset(lo) === before
    let hi = end; // offset(hi) === after
    while (hi - lo > 1000) {
      const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
      if (offsetFromIntl(this.tz, mid) === before) lo = mid;
      else hi = mid;
    }
    return { before, after, switchAt: hi };
  }
}

/** A function giving the UTC offset (ms) of a zone at an instant (ms), with cached formatters. */
export function zoneOffsetFn(tz: string): (ms: number) => number {
  if (tz === 'UTC' || tz === 'Etc/UTC') return () => 0;
  let z = zones.get(tz);
  if (!z) {
    z = new ZoneOffsets(tz);
    zones.set(tz, z);
  }
  const zone = z;
  return (ms) => zone.offset(ms);
}

/** Days since 1970-01-01 of a proleptic Gregorian date (month 1-12). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** Writes [year, month 1-12, day 1-31] of a day number (days since 1970-01-01) into `out`. */
export function civilFromDays(days: number, out: Int32Array): void {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const month = mp < 10 ? mp + 3 : mp - 9;
  out[0] = yoe + era * 400 + (month <= 2 ? 1 : 0);
  out[1] = month;
  out[2] = doy - Math.floor((153 * mp + 2) / 5) + 1;
}

/** Day of week of a day number: 0 = Monday … 6 = Sunday. */
export function dayOfWeek(days: number): number {
  return (((days + 3) % 7) + 7) % 7;
}

/** Day number of a `YYYY-MM-DD` date. @throws Error on other text. */
export function parseIsoDate(text: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text.trim());
  if (!m) throw new Error(`not a YYYY-MM-DD date: ${text}`);
  return daysFromCivil(Number(m[1]), Number(m[2]), Number(m[3]));
}
