import type { AppliedFeatures } from '../transforms/apply';
import type { FittedTransform } from '../transforms/fitted';
import { isClassTask } from '../transforms/target';
import { actualInUnits, Evaluation, evaluatePredictions } from './evaluate';

/** The baselines a model must beat. */
export type BaselineName = 'mean' | 'majority' | 'persistence' | 'seasonal_naive';

/** One baseline's predictions scored on a split. */
export interface BaselineResult {
  name: BaselineName;
  evaluation: Evaluation;
}

/** The train mean of the target in its units, predicted for every row of `n`. */
export function meanPredictions(trainActual: ArrayLike<number>, n: number): Float64Array {
  let sum = 0;
  for (let i = 0; i < trainActual.length; i++) sum += trainActual[i];
  return new Float64Array(n).fill(trainActual.length ? sum / trainActual.length : 0);
}

/** Train class frequencies as the probabilities of every row (the majority class wins the argmax). */
export function majorityPredictions(trainClasses: ArrayLike<number>, k: number, n: number): Float64Array {
  const counts = new Float64Array(k);
  let total = 0;
  for (let i = 0; i < trainClasses.length; i++) {
    const c = trainClasses[i];
    if (c >= 0) {
      counts[c]++;
      total++;
    }
  }
  const out = new Float64Array(n * k);
  for (let i = 0; i < n; i++) for (let c = 0; c < k; c++) out[i * k + c] = total ? counts[c] / total : 1 / k;
  return out;
}

/**
 * Scores the task's baselines on `test`, fitted on `train` where they learn anything:
 * mean (regression), majority class (classification), persistence and, with a
 * seasonality, seasonal-naive (forecast; computed with the windows, in target units).
 */
export function evaluateBaselines(fitted: FittedTransform, train: AppliedFeatures, test: AppliedFeatures): BaselineResult[] {
  const actual = actualInUnits(fitted, test);
  if (fitted.task === 'regression') {
    const pred = meanPredictions(actualInUnits(fitted, train), actual.length);
    return [{ name: 'mean', evaluation: evaluatePredictions(fitted, actual, pred) }];
  }
  if (isClassTask(fitted.task)) {
    const pred = majorityPredictions(train.y ?? [], fitted.outputSize, actual.length);
    return [{ name: 'majority', evaluation: evaluatePredictions(fitted, actual, pred) }];
  }
  const b = test.baselines;
  if (!b) throw new Error('the forecast split carries no baselines');
  const out: BaselineResult[] = [{ name: 'persistence', evaluation: evaluatePredictions(fitted, actual, b.persistence) }];
  if (b.seasonalNaive) out.push({ name: 'seasonal_naive', evaluation: evaluatePredictions(fitted, actual, b.seasonalNaive) });
  return out;
}
