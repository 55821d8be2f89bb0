import { Draw } from './random';

/** One hourly reading of an air-quality station. */
export interface AirQualityRow {
  ts: string;
  station: string;
  pm25: number | null;
  no2: number | null;
  o3: number | null;
  temperature_c: number;
  wind_ms: number;
}

/**
 * Deterministic synthetic air quality: `stations` stations × `days` days, hourly. PM2.5 and
 * NO2 follow traffic peaks and fall with wind; ozone follows sunlight and temperature.
 */
export function* airQualityRows(options: { stations?: number; days?: number; start?: string; seed?: number } = {}): Generator<AirQualityRow> {
  const stations = options.stations ?? 6;
  const hours = (options.days ?? 30) * 24;
  const start = Date.parse(options.start ?? '2026-01-05T05:00:00Z');
  const draw = new Draw(options.seed ?? 7);
  let wind = 3;
  for (let h = 0; h < hours; h++) {
    const t = start + h * 3600_000;
    const hour = new Date(t - 5 * 3600_000).getUTCHours();
    wind = Math.max(0.2, 0.85 * wind + 0.15 * 3.5 + draw.normal(0, 0.6));
    const temperature = 3 + 6 * Math.sin(((hour - 9) / 24) * 2 * Math.PI) + draw.normal(0, 0.5);
    const traffic = Math.exp(-((hour - 8) ** 2) / 4) + 0.9 * Math.exp(-((hour - 17.5) ** 2) / 6);
    const sun = Math.max(0, Math.sin(((hour - 6) / 12) * Math.PI));
    for (let s = 0; s < stations; s++) {
      const urban = 1 + 0.25 * (s % 3);
      const pm25 = Math.max(1, (8 + 14 * traffic * urban) / (0.5 + wind / 4) + draw.normal(0, 1.5));
      const no2 = Math.max(1, (12 + 30 * traffic * urban) / (0.6 + wind / 5) + draw.normal(0, 2.5));
      const o3 = Math.max(1, 18 + 30 * sun + 0.8 * temperature - 0.2 * no2 + draw.normal(0, 3));
      const gap = draw.chance(0.01);
      yield {
        ts: new Date(t).toISOString(),
        station: `AQ${s + 1}`,
        pm25: gap ? null : Math.round(pm25 * 10) / 10,
        no2: gap ? null : Math.round(no2 * 10) / 10,
        o3: Math.round(o3 * 10) / 10,
        temperature_c: Math.round(temperature * 10) / 10,
        wind_ms: Math.round(wind * 10) / 10,
      };
    }
  }
}
