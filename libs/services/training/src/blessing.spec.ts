import type { evaluation } from '@cityml/proto';
import { bless } from './blessing';

const ev = (primaryMetric: string, value: number, baselines: Record<string, number>): evaluation.Evaluation => ({
  primaryMetric,
  metrics: { [primaryMetric]: value },
  baselines: Object.entries(baselines).map(([name, v]) => ({ name, metrics: { [primaryMetric]: v } })),
  classes: [],
  maePerStep: [],
  rmsePerStep: [],
  sampleActual: [],
  samplePredicted: [],
  testRows: 10,
});

describe('blessing a candidate', () => {
  it('blesses a model that beats its baselines when the model has no production version', () => {
    expect(bless(ev('rmse', 1, { mean: 2 }), undefined, 0)).toMatchObject({ blessed: true });
  });

  it('refuses a model that does not beat every baseline (lower is better for rmse and mae)', () => {
    const v = bless(ev('mae', 0.5, { persistence: 0.9, seasonal_naive: 0.4 }), undefined, 0);
    expect(v.blessed).toBe(false);
    expect(v.reason).toMatch(/seasonal_naive/);
  });

  it('reads macro-F1 as higher is better', () => {
    expect(bless(ev('macro_f1', 0.8, { majority: 0.3 }), undefined, 0).blessed).toBe(true);
    expect(bless(ev('macro_f1', 0.2, { majority: 0.3 }), undefined, 0).blessed).toBe(false);
  });

  it('refuses a model worse than production, and one better by less than the relative margin', () => {
    const prod = (v: number) => ({ version: 4, evaluation: ev('rmse', v, {}), rescored: true });
    expect(bless(ev('rmse', 1.2, { mean: 5 }), prod(1), 0)).toMatchObject({ blessed: false });
    expect(bless(ev('rmse', 0.95, { mean: 5 }), prod(1), 0.1).blessed).toBe(false);
    expect(bless(ev('rmse', 0.85, { mean: 5 }), prod(1), 0.1).blessed).toBe(true);
    expect(bless(ev('rmse', 0.85, { mean: 5 }), prod(1), 0.1).reason).toMatch(/production version 4 .*re-scored on this test split/);
  });

  it('refuses when the primary metric is missing or not finite', () => {
    expect(bless(ev('rmse', NaN, { mean: 1 }), undefined, 0).blessed).toBe(false);
  });
});
