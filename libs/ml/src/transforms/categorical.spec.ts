import { frameFromRows } from '../frame/from-rows';
import { fnv1a } from '../random';
import { applyTransform } from './apply';
import { fitTransform } from './fit';
import type { FeatureSpec, Step } from './spec';

function fitApply(steps: Step[], train: (string | null)[], test: (string | null)[]) {
  const spec: FeatureSpec = { task: 'regression', target: { column: 'y' }, features: [{ column: 'c', steps }] };
  const schema = { c: 'category', y: 'number' } as const;
  const fitted = fitTransform(spec, frameFromRows(train.map((c) => ({ c, y: 0 })), schema));
  const out = applyTransform(fitted, frameFromRows(test.map((c) => ({ c, y: 0 })), schema));
  const w = out.shape[1];
  const rows = Array.from({ length: out.shape[0] }, (_, i) => Array.from(out.x.subarray(i * w, (i + 1) * w)));
  return { names: out.featureNames, rows };
}

describe('categorical steps', () => {
  const train = ['bus', 'car', 'car', 'bike', 'car', 'bus', 'tram', null];

  it('one-hot encodes the most frequent categories plus an other bucket', () => {
    const { names, rows } = fitApply([{ kind: 'onehot', maxCategories: 2 }], train, ['car', 'bus', 'bike', 'ferry']);
    expect(names).toEqual(['c=car', 'c=bus', 'c=__other__']);
    expect(rows).toEqual([
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
      [0, 0, 1],
    ]);
  });

  it('sends nulls to the other bucket unless an impute step fills them', () => {
    expect(fitApply([{ kind: 'onehot', maxCategories: 2 }], train, [null]).rows).toEqual([[0, 0, 1]]);
    const imputed = fitApply(
      [{ kind: 'impute', strategy: 'most_frequent' }, { kind: 'onehot', maxCategories: 2 }],
      train,
      [null],
    );
    expect(imputed.rows).toEqual([[1, 0, 0]]);
    const constant = fitApply(
      [{ kind: 'impute', strategy: 'constant', value: 'bus' }, { kind: 'onehot' }],
      train,
      [null],
    );
    expect(constant.rows[0][constant.names.indexOf('c=bus')]).toBe(1);
  });

  it('hashes values into buckets with FNV-1a', () => {
    const { names, rows } = fitApply([{ kind: 'hash', buckets: 7 }], train, ['car', 'ferry']);
    expect(names).toHaveLength(7);
    expect(rows[0].indexOf(1)).toBe(fnv1a('car') % 7);
    expect(rows[1].indexOf(1)).toBe(fnv1a('ferry') % 7);
  });
});
