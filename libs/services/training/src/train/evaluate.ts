import {
  actualInUnits,
  evaluateBaselines,
  evaluateOutputs,
  primaryMetric,
  targetToUnits,
  type AppliedFeatures,
  type Evaluation as MlEvaluation,
  type FittedTransform,
} from '@cityml/ml';
import type { evaluation } from '@cityml/proto';

const SAMPLE = 200;

/** The flat metric map of an ml evaluation (snake_case names, as the registry filters them). */
export function metricMap(e: MlEvaluation): Record<string, number> {
  if (e.task === 'regression') {
    const m = e.metrics;
    return { mae: m.mae, rmse: m.rmse, r2: m.r2, ...(m.mape === null ? {} : { mape: m.mape }) };
  }
  if (e.task === 'forecast') return { mae: e.metrics.mae, rmse: e.metrics.rmse };
  const m = e.metrics;
  return { accuracy: m.accuracy, macro_f1: m.macroF1, log_loss: m.logLoss, ...(m.rocAuc === null ? {} : { roc_auc: m.rocAuc }) };
}

function sample(actual: ArrayLike<number>, predicted: ArrayLike<number>): { sampleActual: number[]; samplePredicted: number[] } {
  const step = Math.max(1, Math.floor(actual.length / SAMPLE));
  const a: number[] = [];
  const p: number[] = [];
  for (let i = 0; i < actual.length && a.length < SAMPLE; i += step) {
    a.push(actual[i]);
    p.push(predicted[i]);
  }
  return { sampleActual: a, samplePredicted: p };
}

/**
 * The proto Evaluation of model outputs on the test split: the task's metrics in target
 * units (libs/ml), per-class scores and the confusion matrix, per-step forecast errors,
 * a sample of (actual, predicted) pairs and, with `train`, the baselines.
 */
export function evaluationOf(fitted: FittedTransform, test: AppliedFeatures, outputs: Float32Array, train?: AppliedFeatures): evaluation.Evaluation {
  const e = evaluateOutputs(fitted, test, outputs);
  const out: evaluation.Evaluation = {
    primaryMetric: primaryMetric(fitted.task),
    metrics: metricMap(e),
    baselines: [],
    classes: [],
    maePerStep: [],
    rmsePerStep: [],
    sampleActual: [],
    samplePredicted: [],
    testRows: test.shape[0],
  };
  if (e.task === 'classification' || e.task === 'text_classification') {
    const labels = fitted.target.kind === 'classes' ? fitted.target.classes : [];
    out.classes = e.metrics.perClass.map((c) => ({ label: c.label, precision: c.precision, recall: c.recall, f1: c.f1, support: c.support }));
    out.confusionMatrix = { labels, counts: e.metrics.confusion.flat() };
  } else {
    if (e.task === 'forecast') {
      out.maePerStep = e.metrics.maePerStep;
      out.rmsePerStep = e.metrics.rmsePerStep;
    }
    Object.assign(out, sample(actualInUnits(fitted, test), targetToUnits(fitted.target, outputs)));
  }
  if (train && (fitted.task !== 'forecast' || test.baselines)) {
    out.baselines = evaluateBaselines(fitted, train, test).map((b) => ({ name: b.name, metrics: metricMap(b.evaluation) }));
  }
  return out;
}

/**
 * The persistence baseline derived from the features when the feature set does not carry
 * it: the scaled last reading is the `lag_1` feature (flat) or the last step's `target`
 * feature (sequence), mapped back to target units.
 */
export function persistenceFromFeatures(fitted: FittedTransform, test: AppliedFeatures): Float32Array | undefined {
  const H = fitted.outputSize;
  const seq = test.shape.length === 3;
  const idx = fitted.featureNames.indexOf(seq ? 'target' : 'lag_1');
  if (idx < 0) return undefined;
  const n = test.shape[0];
  const width = test.shape[test.shape.length - 1];
  const stride = seq ? test.shape[1] * width : width;
  const offset = seq ? (test.shape[1] - 1) * width + idx : idx;
  const last = new Float32Array(n);
  for (let i = 0; i < n; i++) last[i] = test.x[i * stride + offset];
  const inUnits = targetToUnits(fitted.target, last);
  const out = new Float32Array(n * H);
  for (let i = 0; i < n; i++) out.fill(inUnits[i], i * H, (i + 1) * H);
  return out;
}
