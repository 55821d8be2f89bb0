/**
 * Parsing of text values into typed column values: what a CSV or JSON-lines import sends
 * (strings) is turned into the dataset's declared types here, with a reason on failure.
 */

const NUMBER_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const INTEGER_RE = /^[+-]?\d+$/;
const TRUE = new Set(['true', 't', 'yes', 'y', '1']);
const FALSE = new Set(['false', 'f', 'no', 'n', '0']);

/**
 * Smallest and largest accepted instant in µs since the epoch: ±(2^53 − 1), the range in
 * which microseconds are exact in a JavaScript number (about the years 1685 to 2255).
 */
export const MIN_TIMESTAMP_MICROS = -Number.MAX_SAFE_INTEGER;
export const MAX_TIMESTAMP_MICROS = Number.MAX_SAFE_INTEGER;
/** How the accepted range is described in row errors. */
export const TIMESTAMP_RANGE = 'timestamp out of range (1685 to 2255)';

/** A value that could not be parsed; the string is the reason. */
export type Parsed<T> = T | { error: string };

/** Parses a decimal number ("1.5", "-2e3"); infinities and NaN are refused. */
export function parseNumber(s: string): Parsed<number> {
  const t = s.trim();
  if (!NUMBER_RE.test(t)) return { error: `not a number: ${quote(s)}` };
  const v = Number(t);
  return Number.isFinite(v) ? v : { error: `number out of range: ${quote(s)}` };
}

/** Parses a whole number within ±(2^53 − 1). */
export function parseInteger(s: string): Parsed<number> {
  const t = s.trim();
  if (!INTEGER_RE.test(t)) return { error: `not an integer: ${quote(s)}` };
  const v = Number(t);
  return Number.isSafeInteger(v) ? v : { error: `integer out of range: ${quote(s)}` };
}

/** Parses true/false, t/f, yes/no, y/n, 1/0 (any case). */
export function parseBoolean(s: string): Parsed<boolean> {
  const t = s.trim().toLowerCase();
  if (TRUE.has(t)) return true;
  if (FALSE.has(t)) return false;
  return { error: `not a boolean: ${quote(s)}` };
}

const TS_RE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;
const DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * Parses an ISO 8601 date or date-time ("2024-03-01", "2024-03-01T12:00:00.5+02:00",
 * "2024-03-01 12:00Z") into microseconds since the epoch. A time without an offset is a
 * local time in `zone` (an IANA name; UTC when empty).
 */
export function parseTimestamp(s: string, zone: TimeZone): Parsed<number> {
  const fast = isoUtc(s);
  if (fast !== undefined) return fast;
  const m = TS_RE.exec(s.trim());
  if (!m) return { error: `unparseable timestamp: ${quote(s)}` };
  const [y, mo, d, h, mi, sec] = [1, 2, 3, 4, 5, 6].map((i) => (m[i] === undefined ? 0 : Number(m[i])));
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  if (mo < 1 || mo > 12 || d < 1 || d > DAYS[mo - 1] || (mo === 2 && d === 29 && !leap) || h > 23 || mi > 59 || sec > 59 || y < 1) {
    return { error: `invalid date or time: ${quote(s)}` };
  }
  const frac = m[7] ? Math.floor(Number(m[7].padEnd(6, '0').slice(0, 6))) : 0;
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d);
  date.setUTCHours(h, mi, sec, 0);
  const localMs = date.getTime();
  let offsetMin: number;
  if (m[8] === undefined) offsetMin = zone.offsetMinutesAtLocal(localMs);
  else if (m[8].toUpperCase() === 'Z') offsetMin = 0;
  else {
    const sign = m[8][0] === '-' ? -1 : 1;
    const digits = m[8].slice(1).replace(':', '');
    const oh = Number(digits.slice(0, 2));
    const om = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
    if (oh > 18 || om > 59) return { error: `invalid offset: ${quote(s)}` };
    offsetMin = sign * (oh * 60 + om);
  }
  return (localMs - offsetMin * 60_000) * 1000 + frac;
}

const digit = (s: string, i: number) => {
  const c = s.charCodeAt(i) - 48;
  return c >= 0 && c <= 9 ? c : NaN;
};
const two = (s: string, i: number) => digit(s, i) * 10 + digit(s, i + 1);

/**
 * Fast path for the most common form, "YYYY-MM-DDTHH:MM:SS[.fraction]Z" (no regex, no
 * Date object); undefined for anything else or anything invalid (the general parser
 * then answers, with the reason).
 */
function isoUtc(s: string): number | undefined {
  const n = s.length;
  if (n < 20 || n > 30 || s.charCodeAt(n - 1) !== 90 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58) return undefined;
  const sep = s.charCodeAt(10);
  if (sep !== 84 && sep !== 32) return undefined;
  const y = two(s, 0) * 100 + two(s, 2);
  const mo = two(s, 5);
  const d = two(s, 8);
  const h = two(s, 11);
  const mi = two(s, 14);
  const sec = two(s, 17);
  let frac = 0;
  if (n > 20) {
    if (s.charCodeAt(19) !== 46 || n === 21) return undefined;
    let scale = 100000;
    for (let i = 20; i < n - 1; i++) {
      const c = digit(s, i);
      if (Number.isNaN(c)) return undefined;
      frac += c * scale;
      scale /= 10;
    }
    frac = Math.floor(frac);
  } else if (n !== 20) return undefined;
  if (!(y >= 100) || !(mo >= 1 && mo <= 12) || !(d >= 1 && d <= DAYS[mo - 1]) || !(h <= 23) || !(mi <= 59) || !(sec <= 59)) return undefined;
  if (mo === 2 && d === 29 && !((y % 4 === 0 && y % 100 !== 0) || y % 400 === 0)) return undefined;
  return Date.UTC(y, mo - 1, d, h, mi, sec) * 1000 + frac;
}

/** Offsets of one IANA time zone, cached per quarter hour. */
export class TimeZone {
  private readonly format?: Intl.DateTimeFormat;
  private readonly cache = new Map<number, number>();

  /** Throws RangeError for an unknown zone name. */
  constructor(readonly name: string) {
    if (name && name !== 'UTC' && name !== 'Etc/UTC') {
      this.format = new Intl.DateTimeFormat('en-US', { timeZone: name, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    }
  }

  /** True when `name` is a valid IANA zone name. */
  static isValid(name: string): boolean {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: name });
      return true;
    } catch {
      return false;
    }
  }

  /** The zone's UTC offset, in minutes, at the instant `utcMs`. */
  offsetMinutesAt(utcMs: number): number {
    if (!this.format) return 0;
    const key = Math.floor(utcMs / 900_000);
    let off = this.cache.get(key);
    if (off === undefined) {
      const p: Record<string, number> = {};
      for (const part of this.format.formatToParts(new Date(key * 900_000))) if (part.type !== 'literal') p[part.type] = Number(part.value);
      const d = new Date(0);
      d.setUTCFullYear(p.year, p.month - 1, p.day);
      d.setUTCHours(p.hour, p.minute, p.second, 0);
      off = Math.round((d.getTime() - key * 900_000) / 60_000);
      if (this.cache.size > 100_000) this.cache.clear();
      this.cache.set(key, off);
    }
    return off;
  }

  /**
   * The offset that applies to a local wall-clock time (given as if it were UTC). In a
   * gap (spring forward) the offset before the gap is used; in an overlap, the earlier one.
   */
  offsetMinutesAtLocal(localMs: number): number {
    if (!this.format) return 0;
    const first = this.offsetMinutesAt(localMs);
    const second = this.offsetMinutesAt(localMs - first * 60_000);
    if (first === second) return first;
    const third = this.offsetMinutesAt(localMs - second * 60_000);
    return third === second ? second : Math.max(first, second);
  }
}

function quote(s: string): string {
  return JSON.stringify(s.length > 40 ? s.slice(0, 40) + '…' : s);
}
