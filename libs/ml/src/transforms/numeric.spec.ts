import { frameFromRows } from '../frame/from-rows';
import { applyTransform } from './apply';
import { fitTransform } from './fit';
import type { FeatureSpec, Step } from './spec';

/** Fits one numeric feature with `steps` on `train` and applies it to `test`. */
function run(steps: Step[], train: (number | null)[], test: (number | null)[] = train): number[] {
  const spec: FeatureSpec = { task: 'regression', target: { column: 'y' }, features: [{ column: 'v', steps }] };
  const schema = { v: 'number', y: 'number' } as const;
  const fitted = fitTransform(spec, frameFromRows(train.map((v) => ({ v, y: 1 })), schema));
  return Array.from(applyTransform(fitted, frameFromRows(test.map((v) => ({ v, y: 1 })), schema)).x);
}

const close = (actual: number[], expected: number[]) =>
  expected.forEach((e, i) => expect(actual[i]).toBeCloseTo(e, 5));

describe('numeric steps', () => {
  const train = [1, 2, null, 4, 10];
  const present = [1, 2, 4, 10];
  const mean = present.reduce((a, b) => a + b) / present.length;

  it('imputes the train mean, median, most frequent value or a constant', () => {
    close(run([{ kind: 'impute', strategy: 'mean' }], train, [null, 5]), [mean, 5]);
    close(run([{ kind: 'impute', strategy: 'median' }], train, [null]), [(2 + 4) / 2]);
    close(run([{ kind: 'impute', strategy: 'most_frequent' }], [3, 3, 1, null], [null]), [3]);
    close(run([{ kind: 'impute', strategy: 'constant', value: -1 }], train, [null]), [-1]);
  });

  it('clips to the given bounds', () => {
    close(run([{ kind: 'clip', min: 2, max: 5 }], train, [0, 3, 9]), [2, 3, 5]);
  });

  it('standardizes with the train mean and population standard deviation', () => {
    const std = Math.sqrt(present.reduce((s, v) => s + (v - mean) ** 2, 0) / present.length);
    close(run([{ kind: 'impute', strategy: 'mean' }, { kind: 'standardize' }], present, [7]), [(7 - mean) / std]);
  });

  it('min-max scales with the train range, also beyond it', () => {
    close(run([{ kind: 'minmax' }], present, [1, 10, 19]), [0, 1, 2]);
  });

  it('applies a signed log1p', () => {
    close(run([{ kind: 'log1p' }], present, [3, -3]), [Math.log1p(3), -Math.log1p(3)]);
  });

  it('fits each step on the output of the previous one', () => {
    const logs = present.map((v) => Math.log1p(v));
    const lmin = Math.min(...logs);
    const lmax = Math.max(...logs);
    close(run([{ kind: 'log1p' }, { kind: 'minmax' }], present, [4]), [(Math.log1p(4) - lmin) / (lmax - lmin)]);
  });

  it('writes 0 for a null that no step imputes', () => {
    close(run([{ kind: 'standardize' }], present, [null]), [0]);
  });
});
