import { SpecError } from '../errors';
import type { ColumnType } from '../frame/frame';
import type { FeatureSpec } from './spec';
import { validateFeatureSpec } from './validate';

const types: Record<string, ColumnType> = {
  flow: 'number',
  lane: 'category',
  sensor: 'category',
  at: 'timestamp',
  note: 'text',
  count: 'integer',
};
const base: FeatureSpec = {
  task: 'regression',
  target: { column: 'flow' },
  features: [{ column: 'lane', steps: [{ kind: 'onehot' }] }],
};
const forecast: FeatureSpec = {
  task: 'forecast',
  target: { column: 'flow' },
  features: [],
  forecast: { timeColumn: 'at', frequencySeconds: 3600, fill: 'ffill', lags: [1, 2], horizon: 3, layout: 'flat' },
  split: { kind: 'time', column: 'at', trainBefore: '2024-02-01T00:00:00Z', validationBefore: '2024-03-01T00:00:00Z' },
};

function fieldOf(spec: FeatureSpec): string | undefined {
  try {
    validateFeatureSpec(spec, types);
    return undefined;
  } catch (e) {
    if (e instanceof SpecError) return e.field;
    throw e;
  }
}

describe('feature spec validation', () => {
  it('accepts well-formed tabular and forecast specs', () => {
    expect(fieldOf(base)).toBeUndefined();
    expect(fieldOf(forecast)).toBeUndefined();
  });

  it.each<[string, FeatureSpec, string]>([
    ['a missing target', { ...base, target: { column: 'nope' } }, 'target.column'],
    ['a target of the wrong type', { ...base, target: { column: 'lane' } }, 'target.column'],
    ['an unknown feature column', { ...base, features: [{ column: 'speed', steps: [] }] }, 'features[0].column'],
    ['the target used as a feature', { ...base, features: [{ column: 'flow', steps: [] }] }, 'features[0].column'],
    ['standardize on a category', { ...base, features: [{ column: 'lane', steps: [{ kind: 'standardize' }, { kind: 'onehot' }] }] }, 'features[0].steps[0]'],
    ['datetime on a number', { ...base, target: { column: 'count' }, features: [{ column: 'flow', steps: [{ kind: 'datetime', parts: ['hour'] }] }] }, 'features[0].steps[0]'],
    ['a category without an encoder', { ...base, features: [{ column: 'lane', steps: [] }] }, 'features[0].steps'],
    ['a step after an encoder', { ...base, features: [{ column: 'count', steps: [{ kind: 'onehot' }, { kind: 'clip', min: 0 }] }] }, 'features[0].steps[1]'],
    ['zero hash buckets', { ...base, features: [{ column: 'lane', steps: [{ kind: 'hash', buckets: 0 }] }] }, 'features[0].steps[0]'],
    ['a mean impute of text', { ...base, features: [{ column: 'note', steps: [{ kind: 'impute', strategy: 'mean' }, { kind: 'text', maxTokens: 5, mode: 'bow' }] }] }, 'features[0].steps[0]'],
    ['a bad holiday date', { ...base, features: [{ column: 'at', steps: [{ kind: 'holiday', dates: ['2024/01/01'] }] }] }, 'features[0].steps[0]'],
    ['an unknown time zone', { ...base, timeZone: 'Mars/Olympus' }, 'timeZone'],
    ['no features', { ...base, features: [] }, 'features'],
    ['text classification without text', { ...base, task: 'text_classification', target: { column: 'lane' }, features: [{ column: 'count', steps: [] }] }, 'features'],
    ['a random split without test rows', { ...base, split: { kind: 'random', seed: 1, train: 0.8, validation: 0.2 } }, 'split.validation'],
    ['a time split in the wrong order', { ...base, split: { kind: 'time', column: 'at', trainBefore: '2024-03-01', validationBefore: '2024-02-01' } }, 'split.validationBefore'],
    ['a forecast without settings', { ...forecast, forecast: undefined }, 'forecast'],
    ['a zero horizon', { ...forecast, forecast: { ...forecast.forecast!, horizon: 0 } }, 'forecast.horizon'],
    ['a non-timestamp time column', { ...forecast, forecast: { ...forecast.forecast!, timeColumn: 'count' } }, 'forecast.timeColumn'],
    ['an unknown group column', { ...forecast, forecast: { ...forecast.forecast!, groupColumn: 'station' } }, 'forecast.groupColumn'],
    ['a flat layout without lags', { ...forecast, forecast: { ...forecast.forecast!, lags: [] } }, 'forecast.lags'],
    ['a sequence layout without a length', { ...forecast, forecast: { ...forecast.forecast!, lags: undefined, layout: 'sequence' } }, 'forecast.sequenceLength'],
    ['a forecast with a random split', { ...forecast, split: { kind: 'random', seed: 1, train: 0.6, validation: 0.2 } }, 'split.kind'],
  ])('rejects %s, naming the field', (_name, spec, field) => {
    expect(fieldOf(spec)).toBe(field);
  });
});
