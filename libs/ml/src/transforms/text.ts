import type { FittedExpandStep } from './fitted';
import type { TextStep } from './spec';

type FittedText = Extract<FittedExpandStep, { kind: 'text' }>;

const TOKEN = /[\p{L}\p{N}]+/gu;

/** Text of one row: the value, the impute value for a null, or '' for a null without one. */
export interface TextValues {
  values: readonly string[];
  nulls?: Uint8Array;
  impute: string | null;
}

function docAt(v: TextValues, i: number): string {
  return v.nulls !== undefined && v.nulls[i] === 1 ? (v.impute ?? '') : v.values[i];
}

/**
 * Splits text into tokens: runs of Unicode letters and digits, optionally lowercased, with
 * "a b" bigrams of adjacent tokens appended when `bigrams` is set.
 */
export function tokenize(text: string, lowercase = true, bigrams = false): string[] {
  const tokens: string[] = (lowercase ? text.toLowerCase() : text).match(TOKEN) ?? [];
  if (!bigrams) return tokens;
  const n = tokens.length;
  for (let i = 0; i + 1 < n; i++) tokens.push(`${tokens[i]} ${tokens[i + 1]}`);
  return tokens;
}

/**
 * Fits the vocabulary: the `maxTokens` tokens with the highest train count (ties in
 * alphabetical order), and for TF-IDF the smoothed idf ln((1 + docs) / (1 + df)) + 1.
 */
export function fitText(step: TextStep, v: TextValues): FittedText {
  const lowercase = step.lowercase ?? true;
  const bigrams = step.bigrams ?? false;
  const counts = new Map<string, number>();
  const df = new Map<string, number>();
  const n = v.values.length;
  for (let i = 0; i < n; i++) {
    const tokens = tokenize(docAt(v, i), lowercase, bigrams);
    for (const t of tokens) counts.set(t, (counts.get(t) ?? 0) + 1);
    if (step.mode === 'tfidf') for (const t of new Set(tokens)) df.set(t, (df.get(t) ?? 0) + 1);
  }
  const vocabulary = [...counts]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .slice(0, step.maxTokens)
    .map((e) => e[0]);
  const idf = step.mode === 'tfidf' ? vocabulary.map((t) => Math.log((1 + n) / (1 + (df.get(t) ?? 0))) + 1) : null;
  return { kind: 'text', vocabulary, idf, bigrams, lowercase };
}

/** Feature names of a text step on column `col`. */
export function textNames(step: FittedText, col: string): string[] {
  return step.vocabulary.map((t) => `${col}:${t}`);
}

/**
 * Writes bag-of-words counts, or L2-normalized TF-IDF, of each row into `out` at `offset`
 * with row `stride`. Tokens outside the vocabulary are ignored.
 */
export function writeText(step: FittedText, v: TextValues, out: Float32Array, stride: number, offset: number): void {
  const index = new Map<string, number>();
  step.vocabulary.forEach((t, i) => index.set(t, i));
  const idf = step.idf;
  const touched: number[] = [];
  for (let i = 0; i < v.values.length; i++) {
    const base = i * stride + offset;
    touched.length = 0;
    for (const t of tokenize(docAt(v, i), step.lowercase, step.bigrams)) {
      const j = index.get(t);
      if (j === undefined) continue;
      if (out[base + j] === 0) touched.push(j);
      out[base + j] += 1;
    }
    if (idf === null || touched.length === 0) continue;
    let norm = 0;
    for (const j of touched) {
      const w = out[base + j] * idf[j];
      out[base + j] = w;
      norm += w * w;
    }
    const inv = 1 / Math.sqrt(norm);
    for (const j of touched) out[base + j] *= inv;
  }
}
