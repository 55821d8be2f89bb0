/** Precision, recall and F1 of one class. */
export interface ClassScores {
  label: string;
  precision: number;
  recall: number;
  f1: number;
  /** Actual rows of this class. */
  support: number;
}

/** Classification quality. */
export interface ClassificationMetrics {
  accuracy: number;
  /** Mean F1 over the classes that occur as actual or predicted labels. */
  macroF1: number;
  perClass: ClassScores[];
  /** confusion[actual][predicted] counts. */
  confusion: number[][];
  /** Mean -ln p(actual class), probabilities clipped to [1e-15, 1 - 1e-15]. */
  logLoss: number;
  /** Binary tasks only (two classes, both present); null otherwise. */
  rocAuc: number | null;
  count: number;
}

/** Index of the largest of `k` probabilities at row i. */
export function argmaxRow(p: ArrayLike<number>, i: number, k: number): number {
  let best = 0;
  for (let c = 1; c < k; c++) if (p[i * k + c] > p[i * k + best]) best = c;
  return best;
}

/**
 * ROC-AUC of scores for a 0/1 label: the Mann–Whitney statistic with tied scores given
 * their average rank. Null when only one label is present.
 */
export function rocAuc(labels: ArrayLike<number>, scores: ArrayLike<number>): number | null {
  const n = labels.length;
  const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a] - scores[b]);
  let pos = 0;
  let rankSum = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && scores[idx[j + 1]] === scores[idx[i]]) j++;
    const rank = (i + j + 2) / 2;
    for (let k = i; k <= j; k++) {
      if (labels[idx[k]] !== 1) continue;
      pos++;
      rankSum += rank;
    }
    i = j + 1;
  }
  const neg = n - pos;
  if (pos === 0 || neg === 0) return null;
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

/**
 * Metrics of class probabilities (`probs`, row-major [n, k]) against actual class indices.
 * Rows whose actual index is negative (a label unseen in training) are not scored.
 */
export function classificationMetrics(
  actual: ArrayLike<number>,
  probs: ArrayLike<number>,
  k: number,
  labels: readonly string[] = Array.from({ length: k }, (_, i) => String(i)),
): ClassificationMetrics {
  const confusion = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  let correct = 0;
  let count = 0;
  let loss = 0;
  const binLabels: number[] = [];
  const binScores: number[] = [];
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i];
    if (a < 0) continue;
    const p = argmaxRow(probs, i, k);
    confusion[a][p]++;
    if (p === a) correct++;
    count++;
    const pa = Math.min(1 - 1e-15, Math.max(1e-15, probs[i * k + a]));
    loss -= Math.log(pa);
    if (k === 2) {
      binLabels.push(a);
      binScores.push(probs[i * k + 1]);
    }
  }
  const perClass: ClassScores[] = [];
  let f1Sum = 0;
  let f1Count = 0;
  for (let c = 0; c < k; c++) {
    const tp = confusion[c][c];
    const support = confusion[c].reduce((s, v) => s + v, 0);
    const predicted = confusion.reduce((s, row) => s + row[c], 0);
    const precision = predicted ? tp / predicted : 0;
    const recall = support ? tp / support : 0;
    const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
    perClass.push({ label: labels[c], precision, recall, f1, support });
    if (support > 0 || predicted > 0) {
      f1Sum += f1;
      f1Count++;
    }
  }
  return {
    accuracy: count ? correct / count : 0,
    macroF1: f1Count ? f1Sum / f1Count : 0,
    perClass,
    confusion,
    logLoss: count ? loss / count : 0,
    rocAuc: k === 2 ? rocAuc(binLabels, binScores) : null,
    count,
  };
}
