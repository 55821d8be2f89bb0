import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, run, startLiveUp, type LiveUp } from '@cityml/platform/live-up';

describe('cityml demo', () => {
  let up: LiveUp;
  beforeAll(async () => {
    up = await startLiveUp();
  }, 60_000);
  afterAll(() => up?.stop(), 60_000);

  it('runs ingest, features, training, register, promote and predict, and forecasts within 35% of the ground truth', async () => {
    const t0 = Date.now();
    const r = await run([CLI, 'demo', '--sensors', '8', '--days', '30', '--epochs', '12', '--json', '--data-dir', up.dataDir], { timeoutMs: 60_000 });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(Date.now() - t0).toBeLessThan(60_000);
    const summary = JSON.parse(r.stdout);
    expect(summary.rows).toBe(8 * (30 * 24 - 12));
    expect(summary.version).toBeGreaterThanOrEqual(1);
    expect(summary.prediction).toHaveLength(3);
    for (const p of summary.prediction) {
      expect(Number.isFinite(p.predicted)).toBe(true);
      expect(p.expected).toBeGreaterThan(0);
    }
    expect(summary.meanAbsoluteError).toBeLessThan(0.35);
    // The dense model beats the persistence baseline on the test split.
    const persistence = summary.evaluation.baselines.find((b: { name: string }) => b.name === 'persistence');
    expect(summary.evaluation.metrics.mae).toBeLessThan(persistence.metrics.mae);
  }, 90_000);

  it('prints each step for people and predicts with the version it promoted', async () => {
    const r = await run([CLI, 'demo', '--sensors', '3', '--days', '12', '--epochs', '3', '--name', 'demo-people', '--data-dir', up.dataDir], { timeoutMs: 60_000 });
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    for (let i = 1; i <= 7; i++) expect(r.stdout).toContain(`[${i}/7]`);
    const promoted = r.stdout.match(/promote demo-people@(\d+) to production/);
    expect(promoted).not.toBeNull();
    expect(r.stdout).toMatch(new RegExp(`version ${promoted![1]}: S01 → \\d+, \\d+, \\d+`));
  }, 90_000);

  it('writes an HTML evaluation report of the promoted model with metrics, baselines and charts', async () => {
    const out = join(up.dataDir, 'report.html');
    const r = await run([CLI, 'models', 'report', 'traffic-forecast@production', '--out', out, '--json', '--data-dir', up.dataDir]);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    const summary = JSON.parse(r.stdout);
    expect(summary).toMatchObject({ file: out, model: 'traffic-forecast' });
    expect(summary.sections).toEqual(['Metrics against baselines', 'Predicted vs actual', 'Error by horizon step', 'Forecast', 'Training curves']);
    const html = readFileSync(out, 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('baseline: persistence');
    expect(html).toContain('baseline: seasonal_naive');
    expect(html.match(/<svg /g)).toHaveLength(5);
    expect(html).not.toMatch(/NaN|forecast unavailable/);
    // The forecast chart draws the dashed forecast line with one dot per step.
    const forecast = html.slice(html.indexOf('<h2>Forecast</h2>'));
    expect(forecast).toContain('stroke-dasharray');
  }, 30_000);

  it('writes a report with a confusion matrix and per-class metrics for a classifier of 311 requests', async () => {
    const cli = (...args: string[]) => run([CLI, ...args, '--data-dir', up.dataDir], { timeoutMs: 60_000 });
    const csv = join(up.dataDir, '311.csv');
    const spec = join(up.dataDir, '311.json');
    writeFileSync(spec, JSON.stringify({ target: 'department', task: 'text_classification', features: [{ column: 'description', steps: [{ text: { vocabulary_size: 300, weighting: 'tf_idf' } }] }], split: { random: { validation: 0.15, test: 0.15, seed: 1 } } }));
    expect((await run([CLI, 'samples', '311', '--count', '500', '--out', csv])).code).toBe(0);
    expect((await cli('ingest', 'requests', csv, '--create', '--no-progress')).code).toBe(0);
    const fs = await cli('features', 'create', '--dataset', 'requests', '--spec', spec, '--watch', '--json');
    expect(fs.code).toBe(0);
    expect((await cli('train', '--features', JSON.parse(fs.stdout).id, '--model', 'departments', '--epochs', '6', '--watch', '--json')).code).toBe(0);
    const out = join(up.dataDir, 'departments.html');
    const r = await cli('models', 'report', 'departments', '--out', out, '--json');
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    expect(JSON.parse(r.stdout).sections).toEqual(['Metrics against baselines', 'Confusion matrix', 'Training curves']);
    const html = readFileSync(out, 'utf8');
    expect(html).toContain('baseline: majority');
    for (const dept of ['transportation', 'sanitation', 'parks', 'water', 'noise']) expect(html).toContain(`>${dept}</text>`);
    expect(html).toMatch(/<th>precision<\/th><th>recall<\/th>/);
  }, 90_000);

  it('answers a report of an unknown model with NOT_FOUND and exit code 1', async () => {
    const r = await run([CLI, 'models', 'report', 'nope', '--out', join(up.dataDir, 'x.html'), '--data-dir', up.dataDir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/NOT_FOUND/);
  }, 30_000);

  it('answers a bad flag with exit code 2', async () => {
    const r = await run([CLI, 'demo', '--model', 'transformer', '--data-dir', up.dataDir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--model must be dense, lstm or gru/);
  }, 30_000);
});
