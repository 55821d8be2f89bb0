import type { FittedTransform } from '../transforms/fitted';
import type { AppliedFeatures } from '../transforms/apply';
import type { Task } from '../transforms/spec';
import { isClassTask, targetToUnits } from '../transforms/target';
import { classificationMetrics, ClassificationMetrics } from './classification';
import { forecastMetrics, ForecastMetrics } from './forecast';
import { regressionMetrics, RegressionMetrics } from './regression';

/** Metrics of one model (or baseline) on one split, by task. */
export type Evaluation =
  | { task: 'regression'; metrics: RegressionMetrics }
  | { task: 'classification' | 'text_classification'; metrics: ClassificationMetrics }
  | { task: 'forecast'; metrics: ForecastMetrics };

/** Actual values of a split in the target's units (class indices for classification). */
export function actualInUnits(fitted: FittedTransform, data: AppliedFeatures): Float64Array {
  if (!data.y) throw new Error('the split has no targets');
  return isClassTask(fitted.task) ? Float64Array.from(data.y) : targetToUnits(fitted.target, data.y);
}

/**
 * Scores predictions given in the target's units (regression values, [n, H] forecasts) or
 * as class probabilities [n, k] against actual values in the same units.
 */
export function evaluatePredictions(
  fitted: FittedTransform,
  actual: ArrayLike<number>,
  predicted: ArrayLike<number>,
): Evaluation {
  const task: Task = fitted.task;
  if (task === 'regression') return { task, metrics: regressionMetrics(actual, predicted) };
  if (task === 'forecast') return { task, metrics: forecastMetrics(actual, predicted, fitted.outputSize) };
  const classes = fitted.target.kind === 'classes' ? fitted.target.classes : [];
  return { task, metrics: classificationMetrics(actual, predicted, fitted.outputSize, classes) };
}

/**
 * Scores raw model outputs on a materialized split: scaled regression / forecast outputs
 * are mapped back to the target's units first, so every metric is in the target's units.
 */
export function evaluateOutputs(fitted: FittedTransform, data: AppliedFeatures, outputs: Float32Array): Evaluation {
  const actual = actualInUnits(fitted, data);
  const predicted = isClassTask(fitted.task) ? outputs : targetToUnits(fitted.target, outputs);
  return evaluatePredictions(fitted, actual, predicted);
}
