import { Draw } from './random';

/** One hourly reading of a traffic sensor. */
export interface TrafficRow {
  /** ISO 8601 instant (UTC). */
  ts: string;
  sensor_id: string;
  /** Vehicles per hour; null for a missing reading. */
  flow: number | null;
  /** Mean speed, km/h. */
  speed: number | null;
  temperature_c: number;
  rain_mm: number;
}

export interface TrafficOptions {
  sensors?: number;
  days?: number;
  /** First hour, ISO 8601 (default 2026-01-05T05:00:00Z, midnight in New York). */
  start?: string;
  seed?: number;
  /** Share of readings that are missing (default 0.01). */
  missing?: number;
}

const HOUR = 3600_000;
/** US federal holidays in the default window (New Year 2026 is before it). */
const HOLIDAYS = new Set(['2026-01-19', '2026-02-16', '2026-05-25', '2026-07-03', '2026-09-07', '2026-11-26', '2026-12-25']);

/** Local (New York, UTC−5 in winter) hour, weekday and date of an instant. */
function local(t: number): { hour: number; dow: number; date: string } {
  const d = new Date(t - 5 * HOUR);
  return { hour: d.getUTCHours(), dow: d.getUTCDay(), date: d.toISOString().slice(0, 10) };
}

/** The daily profile: morning and evening peaks on weekdays, one broad midday hump on weekends. */
function dailyShape(hour: number, weekend: boolean): number {
  const bump = (h: number, c: number, w: number) => Math.exp(-((h - c) ** 2) / (2 * w * w));
  return weekend ? 0.25 + 0.9 * bump(hour, 14, 4) : 0.15 + 1.0 * bump(hour, 8, 1.5) + 0.9 * bump(hour, 17.5, 2) + 0.35 * bump(hour, 12.5, 3);
}

/**
 * The noise-free expected flow of a sensor at an instant (the generator's ground truth):
 * sensor base level × daily and weekly seasonality × holiday and rain effects.
 */
export function expectedTrafficFlow(sensorIndex: number, t: number, rainMm = 0): number {
  const { hour, dow, date } = local(t);
  const weekend = dow === 0 || dow === 6;
  const holiday = HOLIDAYS.has(date);
  const base = 400 + 90 * ((sensorIndex * 37) % 11);
  const weekly = weekend ? 0.75 : dow === 5 ? 1.05 : 1;
  return base * dailyShape(hour, weekend || holiday) * weekly * (holiday ? 0.7 : 1) * (1 - Math.min(0.3, 0.04 * rainMm));
}

/**
 * Deterministic synthetic traffic counts: `sensors` sensors × `days` days, hourly, with
 * daily and weekly seasonality, weather and holiday effects, missing readings and a few
 * sensor faults (a stuck sensor repeating one value, a dead one reporting zeros).
 */
export function* trafficRows(options: TrafficOptions = {}): Generator<TrafficRow> {
  const sensors = options.sensors ?? 20;
  const hours = (options.days ?? 90) * 24;
  const start = Date.parse(options.start ?? '2026-01-05T05:00:00Z');
  const draw = new Draw(options.seed ?? 42);
  const missing = options.missing ?? 0.01;
  let temperature = 0;
  let rain = 0;
  const stuck = { sensor: sensors > 3 ? 3 : -1, from: Math.floor(hours * 0.4), to: Math.floor(hours * 0.4) + 18 };
  const dead = { sensor: sensors > 7 ? 7 : -1, from: Math.floor(hours * 0.7), to: Math.floor(hours * 0.7) + 10 };
  for (let h = 0; h < hours; h++) {
    const t = start + h * HOUR;
    const { hour } = local(t);
    temperature = 0.9 * temperature + 0.1 * (2 + 6 * Math.sin(((hour - 9) / 24) * 2 * Math.PI)) + draw.normal(0, 0.4);
    rain = rain > 0 ? (draw.chance(0.75) ? Math.max(0, rain + draw.normal(0, 0.8)) : 0) : draw.chance(0.03) ? draw.uniform(0.5, 6) : 0;
    for (let s = 0; s < sensors; s++) {
      const expected = expectedTrafficFlow(s, t, rain);
      let flow: number | null = Math.max(0, Math.round(expected * (1 + draw.normal(0, 0.06))));
      if (s === stuck.sensor && h >= stuck.from && h < stuck.to) flow = 777;
      if (s === dead.sensor && h >= dead.from && h < dead.to) flow = 0;
      if (draw.chance(missing)) flow = null;
      const speed = flow === null ? null : Math.round(10 * Math.max(8, 70 - 0.03 * flow + draw.normal(0, 3) - 2 * rain)) / 10;
      yield { ts: new Date(t).toISOString(), sensor_id: `S${String(s + 1).padStart(2, '0')}`, flow, speed, temperature_c: Math.round(temperature * 10) / 10, rain_mm: Math.round(rain * 10) / 10 };
    }
  }
}
