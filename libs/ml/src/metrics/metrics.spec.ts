import { classificationMetrics, rocAuc } from './classification';
import { forecastMetrics } from './forecast';
import { isBetter, primaryMetric, primaryValue } from './primary';
import { regressionMetrics } from './regression';

describe('metrics', () => {
  it('compute MAE, RMSE, R² and MAPE as by hand', () => {
    const m = regressionMetrics([1, 2, 3, 4], [1.5, 2, 2, 5]);
    expect(m.mae).toBeCloseTo(0.625, 12);
    expect(m.rmse).toBeCloseTo(0.75, 12);
    expect(m.r2).toBeCloseTo(1 - 2.25 / 5, 12);
    expect(m.mape).toBeCloseTo((0.5 + 1 / 3 + 0.25) / 4, 12);
  });

  it('compute accuracy, per-class scores, macro-F1, the confusion matrix and log-loss as by hand', () => {
    const probs = [
      [0.7, 0.2, 0.1],
      [0.3, 0.6, 0.1],
      [0.1, 0.8, 0.1],
      [0.2, 0.5, 0.3],
      [0.1, 0.1, 0.8],
      [0.5, 0.2, 0.3],
    ].flat();
    const m = classificationMetrics([0, 0, 1, 1, 2, 2], probs, 3, ['a', 'b', 'c']);
    expect(m.confusion).toEqual([
      [1, 1, 0],
      [0, 2, 0],
      [1, 0, 1],
    ]);
    expect(m.accuracy).toBeCloseTo(4 / 6, 12);
    expect(m.perClass.map((c) => [c.label, c.precision, c.recall, c.support])).toEqual([
      ['a', 0.5, 0.5, 2],
      ['b', 2 / 3, 1, 2],
      ['c', 1, 0.5, 2],
    ]);
    expect(m.macroF1).toBeCloseTo((0.5 + 0.8 + 2 / 3) / 3, 12);
    const ll = -[0.7, 0.3, 0.8, 0.5, 0.8, 0.3].reduce((s, p) => s + Math.log(p), 0) / 6;
    expect(m.logLoss).toBeCloseTo(ll, 12);
    expect(m.rocAuc).toBeNull();
  });

  it('compute binary ROC-AUC, with ties counted as halves', () => {
    expect(rocAuc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])).toBeCloseTo(0.75, 12);
    expect(rocAuc([0, 1, 0, 1], [0.5, 0.5, 0.2, 0.9])).toBeCloseTo(3.5 / 4, 12);
    expect(rocAuc([1, 1], [0.2, 0.3])).toBeNull();
    const m = classificationMetrics([0, 0, 1, 1], [0.9, 0.1, 0.6, 0.4, 0.65, 0.35, 0.2, 0.8], 2);
    expect(m.rocAuc).toBeCloseTo(0.75, 12);
  });

  it('compute forecast MAE and RMSE per horizon step', () => {
    const m = forecastMetrics([1, 2, 3, 4], [2, 2, 3, 6], 2);
    expect(m.maePerStep).toEqual([0.5, 1]);
    expect(m.rmsePerStep[0]).toBeCloseTo(Math.sqrt(0.5), 12);
    expect(m.rmsePerStep[1]).toBeCloseTo(Math.sqrt(2), 12);
    expect(m.mae).toBeCloseTo(0.75, 12);
    expect(m.rmse).toBeCloseTo(Math.sqrt(5 / 4), 12);
  });

  it('pick one primary metric per task and compare in its direction', () => {
    expect([primaryMetric('regression'), primaryMetric('classification'), primaryMetric('text_classification'), primaryMetric('forecast')]).toEqual([
      'rmse',
      'macro_f1',
      'macro_f1',
      'mae',
    ]);
    expect(isBetter('rmse', 1.0, 1.2)).toBe(true);
    expect(isBetter('rmse', 1.2, 1.0)).toBe(false);
    expect(isBetter('macro_f1', 0.8, 0.7)).toBe(true);
    expect(isBetter('macro_f1', 0.72, 0.7, { margin: 0.05 })).toBe(false);
    expect(isBetter('mae', 9.4, 10, { margin: 0.05, relative: true })).toBe(true);
    expect(isBetter('mae', 9.6, 10, { margin: 0.05, relative: true })).toBe(false);
    expect(isBetter('mae', 1, 1)).toBe(false);
    expect(primaryValue({ task: 'regression', metrics: regressionMetrics([1, 3], [1, 1]) })).toBeCloseTo(Math.sqrt(2), 12);
  });
});
