/** Regression quality in the target's units. */
export interface RegressionMetrics {
  mae: number;
  rmse: number;
  /** 1 - SS_res / SS_tot (0 for a constant target unless predicted exactly, then 1). */
  r2: number;
  /** Mean |error| / |actual| as a fraction (0.1 = 10 %) over rows with a non-zero actual; null if none. */
  mape: number | null;
  count: number;
}

/**
 * MAE, RMSE, R² and MAPE of predictions against actual values.
 * @throws Error when the lengths differ.
 */
export function regressionMetrics(actual: ArrayLike<number>, predicted: ArrayLike<number>): RegressionMetrics {
  const n = actual.length;
  if (predicted.length !== n) throw new Error(`got ${predicted.length} predictions for ${n} actual values`);
  let abs = 0;
  let sq = 0;
  let mean = 0;
  let ape = 0;
  let apeCount = 0;
  for (let i = 0; i < n; i++) {
    const e = predicted[i] - actual[i];
    abs += Math.abs(e);
    sq += e * e;
    mean += actual[i];
    if (actual[i] !== 0) {
      ape += Math.abs(e) / Math.abs(actual[i]);
      apeCount++;
    }
  }
  if (n === 0) return { mae: 0, rmse: 0, r2: 0, mape: null, count: 0 };
  mean /= n;
  let tot = 0;
  for (let i = 0; i < n; i++) tot += (actual[i] - mean) ** 2;
  const r2 = tot > 0 ? 1 - sq / tot : sq === 0 ? 1 : 0;
  return { mae: abs / n, rmse: Math.sqrt(sq / n), r2, mape: apeCount ? ape / apeCount : null, count: n };
}
