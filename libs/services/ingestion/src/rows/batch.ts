import { common } from '@cityml/proto';
import { InvalidArgumentError } from '@cityml/runtime';
import { MAX_TIMESTAMP_MICROS, MIN_TIMESTAMP_MICROS, TIMESTAMP_RANGE, parseBoolean, parseInteger, parseNumber, parseTimestamp, type TimeZone } from './values';
import type { WireColumn, WireRowBatch } from './wire';

const T = common.ColumnType;

/**
 * One schema column of a batch after validation: numeric types (NUMBER, INTEGER,
 * BOOLEAN as 0/1, TIMESTAMP as µs since the epoch) in `values`, CATEGORY and TEXT in
 * `strings`. Rows that are null have `isNull` set.
 */
export interface NormalizedColumn {
  schema: common.ColumnSchema;
  isNull: Uint8Array;
  nullCount: number;
  values?: Float64Array;
  strings?: string[];
}

/** The first problem found in a row. */
export interface RowProblem {
  /** Index of the row within the batch. */
  index: number;
  column: string;
  reason: string;
}

/** A validated batch: columns in schema order, and the rows that were refused. */
export interface NormalizedBatch {
  rowCount: number;
  columns: NormalizedColumn[];
  /** 1 for a refused row. */
  bad: Uint8Array;
  problems: RowProblem[];
}

const isString = (t: number) => t === T.COLUMN_TYPE_CATEGORY || t === T.COLUMN_TYPE_TEXT;

function expandNulls(col: WireColumn | undefined, rowCount: number, field: string): Uint8Array {
  const out = new Uint8Array(rowCount);
  if (!col) return out.fill(1);
  const bits = col.nulls;
  if (!bits.length) return out;
  if (bits.length < Math.ceil(rowCount / 8)) throw InvalidArgumentError.field(field, `null bitmap has ${bits.length} bytes for ${rowCount} rows`);
  for (let i = 0; i < rowCount; i++) out[i] = (bits[i >> 3] >> (i & 7)) & 1;
  return out;
}

function valueCount(col: WireColumn): number {
  switch (col.type) {
    case T.COLUMN_TYPE_NUMBER:
      return col.numbers.length;
    case T.COLUMN_TYPE_INTEGER:
      return col.integers.length;
    case T.COLUMN_TYPE_BOOLEAN:
      return col.booleans.length;
    case T.COLUMN_TYPE_TIMESTAMP:
      return col.timestamps.length;
    default:
      return col.strings.length;
  }
}

/** Checks that `col` can fill a column of type `want`; throws INVALID_ARGUMENT naming it. */
function checkType(col: WireColumn, want: common.ColumnType, field: string): void {
  const ok = col.type === want || isString(col.type) || (want === T.COLUMN_TYPE_NUMBER && col.type === T.COLUMN_TYPE_INTEGER);
  if (!ok) throw InvalidArgumentError.field(field, `column "${col.name}" is ${common.columnTypeToJSON(col.type)} but the schema says ${common.columnTypeToJSON(want)}`);
}

/**
 * Validates a RowBatch against the dataset's schema. Problems of the whole batch (an
 * unknown or missing required column, a wrong type, short value arrays) throw
 * INVALID_ARGUMENT; problems of single rows (null where not nullable, a value that does
 * not parse, a non-finite number, a NUL character in text) are returned per row.
 */
export function normalizeBatch(batch: WireRowBatch, schema: common.Schema, zone: TimeZone): NormalizedBatch {
  const rowCount = batch.rowCount;
  const byName = new Map<string, WireColumn>();
  batch.columns.forEach((c, i) => {
    if (!schema.columns.some((s) => s.name === c.name)) throw InvalidArgumentError.field(`rows.columns[${i}]`, `column "${c.name}" is not in the dataset's schema`);
    if (byName.has(c.name)) throw InvalidArgumentError.field(`rows.columns[${i}]`, `column "${c.name}" appears twice`);
    byName.set(c.name, c);
  });
  const bad = new Uint8Array(rowCount);
  const problems: RowProblem[] = [];
  const refuse = (index: number, column: string, reason: string) => {
    if (bad[index]) return;
    bad[index] = 1;
    problems.push({ index, column, reason });
  };
  const columns = schema.columns.map((s): NormalizedColumn => {
    const col = byName.get(s.name);
    const field = `rows.columns[${s.name}]`;
    if (!col && !s.nullable) throw InvalidArgumentError.field(field, `required column "${s.name}" is missing`);
    if (col) {
      checkType(col, s.type, field);
      const n = valueCount(col);
      if (n !== rowCount && !(n === 0 && col.nulls.length)) throw InvalidArgumentError.field(field, `column "${s.name}" has ${n} values for ${rowCount} rows`);
    }
    const isNull = expandNulls(col, rowCount, field);
    const out: NormalizedColumn = { schema: s, isNull, nullCount: 0 };
    if (isString(s.type)) out.strings = col ? fillStrings(col, isNull, rowCount, (i, r) => refuse(i, s.name, r)) : new Array<string>(rowCount).fill('');
    else out.values = col ? fillValues(col, s.type, isNull, rowCount, zone, (i, r) => refuse(i, s.name, r)) : new Float64Array(rowCount);
    for (let i = 0; i < rowCount; i++) {
      if (!isNull[i]) continue;
      out.nullCount++;
      if (!s.nullable) refuse(i, s.name, 'null where the column is not nullable');
    }
    return out;
  });
  problems.sort((a, b) => a.index - b.index);
  return { rowCount, columns, bad, problems };
}

function fillStrings(col: WireColumn, isNull: Uint8Array, rowCount: number, refuse: (i: number, reason: string) => void): string[] {
  const strings = col.strings.length ? col.strings : new Array<string>(rowCount).fill('');
  for (let i = 0; i < rowCount; i++) {
    if (!isNull[i] && strings[i].indexOf('\u0000') !== -1) refuse(i, 'text contains a NUL character');
  }
  return strings;
}

function fillValues(col: WireColumn, type: common.ColumnType, isNull: Uint8Array, rowCount: number, zone: TimeZone, refuse: (i: number, reason: string) => void): Float64Array {
  if (isString(col.type)) return parseStrings(col.strings, type, isNull, rowCount, zone, refuse);
  let values: Float64Array;
  if (col.type === T.COLUMN_TYPE_BOOLEAN) values = Float64Array.from(col.booleans.length ? col.booleans : new Uint8Array(rowCount));
  else values = col.type === T.COLUMN_TYPE_NUMBER ? col.numbers : col.type === T.COLUMN_TYPE_INTEGER ? col.integers : col.timestamps;
  if (values.length === 0) values = new Float64Array(rowCount);
  if (type === T.COLUMN_TYPE_NUMBER) {
    for (let i = 0; i < rowCount; i++) if (!isNull[i] && !Number.isFinite(values[i])) refuse(i, `not a finite number: ${values[i]}`);
  } else if (type === T.COLUMN_TYPE_INTEGER) {
    for (let i = 0; i < rowCount; i++) if (!isNull[i] && !Number.isSafeInteger(values[i])) refuse(i, 'integer out of range (beyond ±2^53)');
  } else if (type === T.COLUMN_TYPE_TIMESTAMP) {
    for (let i = 0; i < rowCount; i++) {
      const v = values[i];
      if (!isNull[i] && !(v >= MIN_TIMESTAMP_MICROS && v <= MAX_TIMESTAMP_MICROS)) refuse(i, TIMESTAMP_RANGE);
    }
  }
  return values;
}

function parseStrings(strings: string[], type: common.ColumnType, isNull: Uint8Array, rowCount: number, zone: TimeZone, refuse: (i: number, reason: string) => void): Float64Array {
  const out = new Float64Array(rowCount);
  for (let i = 0; i < rowCount; i++) {
    if (isNull[i]) continue;
    const s = strings[i] ?? '';
    if (s.trim() === '') {
      isNull[i] = 1;
      continue;
    }
    const v =
      type === T.COLUMN_TYPE_NUMBER ? parseNumber(s) : type === T.COLUMN_TYPE_INTEGER ? parseInteger(s) : type === T.COLUMN_TYPE_BOOLEAN ? parseBoolean(s) : parseTimestamp(s, zone);
    if (typeof v === 'object') refuse(i, v.error);
    else {
      out[i] = typeof v === 'boolean' ? (v ? 1 : 0) : v;
      if (type === T.COLUMN_TYPE_TIMESTAMP && !(out[i] >= MIN_TIMESTAMP_MICROS && out[i] <= MAX_TIMESTAMP_MICROS)) refuse(i, TIMESTAMP_RANGE);
    }
  }
  return out;
}
