import { airQualityRows, DEPARTMENTS, expectedTrafficFlow, serviceRequestRows, toCsv, trafficRows } from './index';

describe('the sample data generators', () => {
  it('make the same traffic rows for the same seed and other rows for another', () => {
    const a = [...trafficRows({ sensors: 3, days: 2, seed: 1 })];
    const b = [...trafficRows({ sensors: 3, days: 2, seed: 1 })];
    const c = [...trafficRows({ sensors: 3, days: 2, seed: 2 })];
    expect(a).toHaveLength(3 * 48);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it('give traffic a morning peak on weekdays that the ground truth also has', () => {
    const rows = [...trafficRows({ sensors: 2, days: 7, missing: 0 })];
    const at = (localHour: number) => rows.filter((r) => r.sensor_id === 'S01' && new Date(Date.parse(r.ts) - 5 * 3600_000).getUTCHours() === localHour && [1, 2, 3, 4, 5].includes(new Date(Date.parse(r.ts) - 5 * 3600_000).getUTCDay()));
    const mean = (xs: { flow: number | null }[]) => xs.reduce((s, r) => s + (r.flow ?? 0), 0) / xs.length;
    expect(mean(at(8))).toBeGreaterThan(2 * mean(at(3)));
    const r = at(8)[0];
    expect(Math.abs(r.flow! - expectedTrafficFlow(0, Date.parse(r.ts), r.rain_mm)) / r.flow!).toBeLessThan(0.3);
  });

  it('leave some readings missing and include sensor faults', () => {
    const rows = [...trafficRows({ sensors: 10, days: 20 })];
    expect(rows.some((r) => r.flow === null)).toBe(true);
    expect(rows.filter((r) => r.sensor_id === 'S04' && r.flow === 777).length).toBeGreaterThan(10);
  });

  it('make air quality and 311 requests with every department', () => {
    expect([...airQualityRows({ stations: 2, days: 1 })]).toHaveLength(48);
    const requests = [...serviceRequestRows({ count: 500 })];
    expect(new Set(requests.map((r) => r.department))).toEqual(new Set(DEPARTMENTS));
    expect(requests[0].description.length).toBeGreaterThan(10);
  });

  it('render CSV with a header and RFC 4180 quoting', () => {
    expect([...toCsv([{ a: 'x,y', b: 'say "hi"' }, { a: null, b: 2 }])].join('')).toBe('a,b\n"x,y","say ""hi"""\n,2\n');
  });
});
