/** Forecast quality in the target's units, overall and per horizon step. */
export interface ForecastMetrics {
  mae: number;
  rmse: number;
  /** Index h is the error of step h + 1 ahead. */
  maePerStep: number[];
  rmsePerStep: number[];
  /** Number of windows. */
  count: number;
}

/**
 * MAE and RMSE of forecasts (row-major [n, horizon]) against actual values.
 * @throws Error when the lengths differ or are not a multiple of the horizon.
 */
export function forecastMetrics(actual: ArrayLike<number>, predicted: ArrayLike<number>, horizon: number): ForecastMetrics {
  if (actual.length !== predicted.length || actual.length % horizon !== 0) {
    throw new Error(`forecast arrays of ${actual.length} and ${predicted.length} values do not fit horizon ${horizon}`);
  }
  const n = actual.length / horizon;
  const abs = new Array<number>(horizon).fill(0);
  const sq = new Array<number>(horizon).fill(0);
  for (let i = 0; i < n; i++) {
    for (let h = 0; h < horizon; h++) {
      const e = predicted[i * horizon + h] - actual[i * horizon + h];
      abs[h] += Math.abs(e);
      sq[h] += e * e;
    }
  }
  const total = Math.max(1, n * horizon);
  return {
    mae: abs.reduce((a, b) => a + b, 0) / total,
    rmse: Math.sqrt(sq.reduce((a, b) => a + b, 0) / total),
    maePerStep: abs.map((s) => (n ? s / n : 0)),
    rmsePerStep: sq.map((s) => (n ? Math.sqrt(s / n) : 0)),
    count: n,
  };
}
