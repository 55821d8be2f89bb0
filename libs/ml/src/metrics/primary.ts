import type { Task } from '../transforms/spec';
import type { Evaluation } from './evaluate';

/** The one metric each task is judged by. */
export type PrimaryMetric = 'rmse' | 'macro_f1' | 'mae';

/** RMSE for regression, macro-F1 for classification, MAE for forecasting. */
export function primaryMetric(task: Task): PrimaryMetric {
  if (task === 'regression') return 'rmse';
  if (task === 'forecast') return 'mae';
  return 'macro_f1';
}

/** True when larger values of the metric are better. */
export function higherIsBetter(metric: PrimaryMetric): boolean {
  return metric === 'macro_f1';
}

/** The primary metric's value of an evaluation. */
export function primaryValue(e: Evaluation): number {
  if (e.task === 'regression') return e.metrics.rmse;
  if (e.task === 'forecast') return e.metrics.mae;
  return e.metrics.macroF1;
}

/** How much better a candidate must be. */
export interface Margin {
  /** Required improvement (default 0: any strict improvement). */
  margin?: number;
  /** Read `margin` as a fraction of the reference value instead of an absolute amount. */
  relative?: boolean;
}

/**
 * True when `candidate` beats `reference` on `metric` by more than the margin
 * (lower is better for rmse / mae, higher for macro_f1).
 */
export function isBetter(metric: PrimaryMetric, candidate: number, reference: number, opts: Margin = {}): boolean {
  const m = opts.margin ?? 0;
  const amount = opts.relative ? Math.abs(reference) * m : m;
  return higherIsBetter(metric) ? candidate > reference + amount : candidate < reference - amount;
}
