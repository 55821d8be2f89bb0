import { civilFromDays, dayOfWeek, daysFromCivil } from './time-zone';

/** The nth (1-based) given weekday (0 = Monday) of a month, as a day number. */
function nthWeekday(year: number, month: number, weekday: number, n: number): number {
  const first = daysFromCivil(year, month, 1);
  const shift = (weekday - dayOfWeek(first) + 7) % 7;
  return first + shift + (n - 1) * 7;
}

/** The last given weekday of a month, as a day number. */
function lastWeekday(year: number, month: number, weekday: number): number {
  const nextFirst = month === 12 ? daysFromCivil(year + 1, 1, 1) : daysFromCivil(year, month + 1, 1);
  const last = nextFirst - 1;
  return last - ((dayOfWeek(last) - weekday + 7) % 7);
}

/** A fixed-date holiday and its observed day (Saturday → Friday before, Sunday → Monday after). */
function fixedWithObserved(year: number, month: number, day: number): number[] {
  const d = daysFromCivil(year, month, day);
  const dow = dayOfWeek(d);
  if (dow === 5) return [d, d - 1];
  if (dow === 6) return [d, d + 1];
  return [d];
}

/**
 * The US federal-style holidays of a year as day numbers: New Year's Day, Martin Luther
 * King Jr. Day, Presidents' Day, Memorial Day, Independence Day, Labor Day, Thanksgiving
 * and Christmas, each fixed-date one with its observed day. Includes the Friday Dec 31
 * that observes the next New Year's Day when it falls on a Saturday.
 */
export function usHolidays(year: number): number[] {
  const days = [
    ...fixedWithObserved(year, 1, 1),
    nthWeekday(year, 1, 0, 3),
    nthWeekday(year, 2, 0, 3),
    lastWeekday(year, 5, 0),
    ...fixedWithObserved(year, 7, 4),
    nthWeekday(year, 9, 0, 1),
    nthWeekday(year, 11, 3, 4),
    ...fixedWithObserved(year, 12, 25),
  ];
  const nextNewYear = daysFromCivil(year + 1, 1, 1);
  if (dayOfWeek(nextNewYear) === 5) days.push(nextNewYear - 1);
  return days.filter((d) => {
    const ymd = new Int32Array(3);
    civilFromDays(d, ymd);
    return ymd[0] === year;
  });
}

/** Answers "is this local day a holiday?" for a date list and / or the US calendar, caching years. */
export class HolidayCalendar {
  private readonly fixed: Set<number>;
  private readonly years = new Map<number, Set<number>>();
  private readonly ymd = new Int32Array(3);

  constructor(
    dates: readonly number[],
    private readonly calendar: 'us' | null,
  ) {
    this.fixed = new Set(dates);
  }

  /** True when the local day number `day` is a holiday. */
  isHoliday(day: number): boolean {
    if (this.fixed.has(day)) return true;
    if (this.calendar !== 'us') return false;
    civilFromDays(day, this.ymd);
    const year = this.ymd[0];
    let set = this.years.get(year);
    if (!set) {
      set = new Set(usHolidays(year));
      this.years.set(year, set);
    }
    return set.has(day);
  }
}
