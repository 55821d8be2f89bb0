import { fnv1a } from '../random';
import type { FittedExpandStep } from './fitted';

/** Category values of one column after imputation: strings (null = missing) or numbers (NaN = missing). */
export type CategoryValues =
  | { kind: 'text'; values: readonly string[]; nulls?: Uint8Array; impute: string | null }
  | { kind: 'number'; values: Float64Array };

/** The label written for the "other" bucket of a one-hot step. */
export const OTHER_CATEGORY = '__other__';

/** Default category cap of a one-hot step. */
export const DEFAULT_MAX_CATEGORIES = 50;

function countValues(v: CategoryValues): Map<string | number, number> {
  const counts = new Map<string | number, number>();
  if (v.kind === 'number') {
    const a = v.values;
    for (let i = 0; i < a.length; i++) {
      const x = a[i];
      if (x === x) counts.set(x, (counts.get(x) ?? 0) + 1);
    }
    return counts;
  }
  const { values, nulls, impute } = v;
  for (let i = 0; i < values.length; i++) {
    const isNull = nulls !== undefined && nulls[i] === 1;
    if (isNull && impute === null) continue;
    const key = isNull ? (impute as string) : values[i];
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

function compareKeys(a: string | number, b: string | number): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
}

/**
 * The `top` most frequent values, most frequent first, ties broken by value order.
 */
export function topValues(v: CategoryValues, top: number): (string | number)[] {
  const entries = [...countValues(v)];
  entries.sort((a, b) => b[1] - a[1] || compareKeys(a[0], b[0]));
  return entries.slice(0, top).map((e) => e[0]);
}

/** The most frequent string among non-null values ('' when none). */
export function mostFrequentText(values: readonly string[], nulls?: Uint8Array): string {
  const top = topValues({ kind: 'text', values, nulls, impute: null }, 1);
  return top.length ? String(top[0]) : '';
}

/** Fits a one-hot step: the capped category list (the other bucket is implicit, last). */
export function fitOneHot(v: CategoryValues, maxCategories = DEFAULT_MAX_CATEGORIES): FittedExpandStep {
  return { kind: 'onehot', categories: topValues(v, maxCategories) };
}

/**
 * Writes category codes: index into `categories`, or `categories.length` (other) for
 * unseen values and nulls without an impute value.
 */
export function categoryCodes(v: CategoryValues, categories: readonly (string | number)[]): Int32Array {
  const other = categories.length;
  const n = v.values.length;
  const codes = new Int32Array(n);
  if (v.kind === 'number') {
    const index = new Map<number, number>();
    categories.forEach((c, i) => index.set(Number(c), i));
    const a = v.values;
    for (let i = 0; i < n; i++) codes[i] = index.get(a[i]) ?? other;
    return codes;
  }
  const index = new Map<string, number>();
  categories.forEach((c, i) => index.set(String(c), i));
  const { values, nulls, impute } = v;
  const imputeCode = impute === null ? other : (index.get(impute) ?? other);
  for (let i = 0; i < n; i++) {
    codes[i] = nulls !== undefined && nulls[i] === 1 ? imputeCode : (index.get(values[i]) ?? other);
  }
  return codes;
}

/** Hash-bucket codes: FNV-1a of the value's text modulo `buckets` (nulls without impute → bucket 0). */
export function hashCodes(v: CategoryValues, buckets: number): Int32Array {
  const n = v.values.length;
  const codes = new Int32Array(n);
  const memo = new Map<string | number, number>();
  for (let i = 0; i < n; i++) {
    let key: string | number | null;
    if (v.kind === 'number') key = v.values[i] === v.values[i] ? v.values[i] : null;
    else key = v.nulls !== undefined && v.nulls[i] === 1 ? v.impute : v.values[i];
    if (key === null) continue;
    let code = memo.get(key);
    if (code === undefined) {
      code = fnv1a(String(key)) % buckets;
      if (memo.size < 100_000) memo.set(key, code);
    }
    codes[i] = code;
  }
  return codes;
}

/** Writes one-hot rows of `codes` (width columns) into `out` at `offset` with row `stride`. */
export function writeOneHot(codes: Int32Array, out: Float32Array, stride: number, offset: number): void {
  for (let i = 0; i < codes.length; i++) out[i * stride + offset + codes[i]] = 1;
}
