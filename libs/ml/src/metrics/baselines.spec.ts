import { frameFromRows } from '../frame/from-rows';
import { buildFeatureSet } from '../transforms/feature-set';
import { evaluateBaselines } from './baselines';

const day = Date.UTC(2024, 0, 1);
describe('baselines', () => {
  it('predict the train mean for regression, scored in target units', () => {
    const rows = Array.from({ length: 20 }, (_, i) => ({ at: new Date(day + i * 3600_000).toISOString(), x: i, y: i < 10 ? 10 : 20 }));
    const set = buildFeatureSet(
      {
        task: 'regression',
        target: { column: 'y', steps: [{ kind: 'log1p' }, { kind: 'standardize' }] },
        features: [{ column: 'x', steps: [] }],
        split: { kind: 'time', column: 'at', trainBefore: new Date(day + 10 * 3600_000).toISOString(), validationBefore: new Date(day + 15 * 3600_000).toISOString() },
      },
      frameFromRows(rows, { at: 'timestamp', x: 'number', y: 'number' }),
    );
    const [mean] = evaluateBaselines(set.fitted, set.train, set.test);
    expect(mean.name).toBe('mean');
    // every train target is 10, every test target is 20
    expect(mean.evaluation.task === 'regression' && mean.evaluation.metrics.mae).toBeCloseTo(10, 4);
  });

  it('predict the train majority class with the train class frequencies', () => {
    const rows = Array.from({ length: 40 }, (_, i) => ({ x: i, y: i % 4 === 0 ? 'rare' : 'common' }));
    const set = buildFeatureSet(
      { task: 'classification', target: { column: 'y' }, features: [{ column: 'x', steps: [] }], split: { kind: 'random', seed: 3, train: 0.5, validation: 0.2 } },
      frameFromRows(rows, { x: 'number', y: 'category' }),
    );
    const [majority] = evaluateBaselines(set.fitted, set.train, set.test);
    if (majority.evaluation.task !== 'classification') throw new Error('wrong task');
    const m = majority.evaluation.metrics;
    const commonIdx = set.fitted.target.kind === 'classes' ? set.fitted.target.classes.indexOf('common') : -1;
    const testCommon = Array.from(set.test.y!).filter((c) => c === commonIdx).length;
    expect(m.accuracy).toBeCloseTo(testCommon / set.test.y!.length, 12);
    expect(m.perClass[commonIdx].recall).toBe(1);
  });

  it('score persistence and seasonal-naive forecasts on the same windows', () => {
    // a daily cycle of 4 steps: 0, 10, 20, 10, 0, 10, ...
    const cycle = [0, 10, 20, 10];
    const rows = Array.from({ length: 60 }, (_, i) => ({ at: new Date(day + i * 3600_000).toISOString(), flow: cycle[i % 4] }));
    const set = buildFeatureSet(
      {
        task: 'forecast',
        target: { column: 'flow' },
        features: [],
        forecast: { timeColumn: 'at', frequencySeconds: 3600, fill: 'ffill', lags: [1, 2], horizon: 2, layout: 'flat', seasonality: 4 },
        split: { kind: 'time', column: 'at', trainBefore: new Date(day + 30 * 3600_000).toISOString(), validationBefore: new Date(day + 45 * 3600_000).toISOString() },
      },
      frameFromRows(rows, { at: 'timestamp', flow: 'number' }),
    );
    const [persistence, seasonal] = evaluateBaselines(set.fitted, set.train, set.test);
    expect([persistence.name, seasonal.name]).toEqual(['persistence', 'seasonal_naive']);
    expect(seasonal.evaluation.task === 'forecast' && seasonal.evaluation.metrics.mae).toBe(0);
    expect(persistence.evaluation.task === 'forecast' && persistence.evaluation.metrics.mae).toBeGreaterThan(5);
  });
});
