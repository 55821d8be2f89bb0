import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ROOT, startLiveUp, type LiveUp } from '@cityml/platform/live-up';

/** Runs one example with `node tools/run-ts.mjs examples/<name>.ts` against the live server. */
function example(name: string, env: Record<string, string>, args: string[] = []): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, 'tools/run-ts.mjs'), `examples/${name}.ts`, ...args], { cwd: ROOT, env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('the examples, against a live `cityml up` with auth on', () => {
  let up: LiveUp;
  let env: Record<string, string>;
  beforeAll(async () => {
    up = await startLiveUp();
    env = up.env;
  }, 60_000);
  afterAll(() => up?.stop(), 60_000);

  it('refuses an example without the API key: auth is on', async () => {
    const r = await example('ingest-and-stats', { CITYML_ADDRESS: env.CITYML_ADDRESS, CITYML_API_KEY: '' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error: .*(API key|unauthenticated|authorization)/i);
  }, 60_000);

  it('quickstart.ts goes from plain rows to a forecast', async () => {
    const r = await example('quickstart', env);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    expect(r.stdout).toMatch(/^ingested: version 1, 2016 rows$/m);
    expect(r.stdout).toMatch(/^features: \d+ features, \d+ training examples$/m);
    expect(r.stdout.match(/^ {2}epoch \d+: loss /gm)?.length).toBeGreaterThan(1);
    expect(r.stdout).toMatch(/^trained: version 1, test MAE [\d.]+ \(persistence baseline [\d.]+\)$/m);
    const [, a, b] = r.stdout.match(/^forecast S02: (\d+), (\d+) vehicles\/hour$/m) ?? [];
    for (const v of [a, b]) expect(Number(v)).toBeGreaterThan(0);
  }, 60_000);

  it('ingest-and-stats.ts ingests two CSV months, prints statistics and drift', async () => {
    const r = await example('ingest-and-stats', env);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^version 1: 4464 rows accepted, 0 rejected$/m);
    expect(r.stdout).toMatch(/^schema: ts, station, pm25, no2, o3, temperature_c, wind_ms \(time column ts\)$/m);
    expect(r.stdout).toMatch(/^ {2}pm25 +count +\d+ +nulls +\d+ +mean +[\d.]+ +median +[\d.]+$/m);
    expect(r.stdout).toMatch(/^version 2: 8496 rows in total$/m);
    expect(r.stdout).toMatch(/^ {2}drift ts +psi [\d.]+ +DRIFTED$/m);
  }, 60_000);

  it('train-forecast.ts trains a PM2.5 forecaster that beats the baselines and promotes it', async () => {
    const r = await example('train-forecast', env);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ {2}epoch 1\/10: loss [\d.]+, val_loss [\d.]+$/m);
    expect(r.stdout).toMatch(/^persistence +mae [\d.]+/m);
    expect(r.stdout).toMatch(/^promoted air-pm25 version 1 to production$/m);
  }, 60_000);

  it('predict.ts forecasts every station from its latest readings', async () => {
    const r = await example('predict', env);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^air-pm25 version 1 \(forecast\):$/m);
    const lines = r.stdout.match(/^ {2}AQ\d: [\d.]+, [\d.]+, [\d.]+ µg\/m³$/gm) ?? [];
    expect(lines).toHaveLength(6);
    for (const l of lines) for (const v of l.split(': ')[1].replace(' µg/m³', '').split(', ')) expect(Number(v)).toBeGreaterThan(0);
  }, 60_000);
});
