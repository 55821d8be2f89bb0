import { common } from '@cityml/proto';
import { rowBatchFromRecords } from '../ingestion';

const T = common.ColumnType;

/** A value of a plain row object. */
export type PlainValue = number | string | boolean | Date | null | undefined;

/**
 * A row as a plain object: column name → value ({@link PlainValue}s). Interfaces such as
 * the samples' `TrafficRow` fit too.
 */
export type PlainRow = object;

const valuesOf = (r: PlainRow) => r as Record<string, PlainValue>;

/** Looks like an ISO 8601 date-time (`2026-01-05T05:00:00Z`, `2026-01-05 05:00`). */
const ISO_DATETIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/;

const isMissing = (v: unknown) => v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v));

/** The type a column's plain values carry: numbers NUMBER, booleans BOOLEAN, Dates / ISO date-times TIMESTAMP, else TEXT. */
function typeOfValues(values: PlainValue[]): common.ColumnType {
  let type: common.ColumnType | undefined;
  for (const v of values) {
    if (isMissing(v)) continue;
    const t = typeof v === 'number' ? T.COLUMN_TYPE_NUMBER : typeof v === 'boolean' ? T.COLUMN_TYPE_BOOLEAN : v instanceof Date || ISO_DATETIME.test(String(v)) ? T.COLUMN_TYPE_TIMESTAMP : T.COLUMN_TYPE_TEXT;
    if (type === undefined) type = t;
    else if (type !== t) return T.COLUMN_TYPE_TEXT;
  }
  return type ?? T.COLUMN_TYPE_TEXT;
}

/** A schema for plain rows that have none: every key that appears, typed by its values (see {@link toRowBatch}). */
export function schemaOfRows(rows: readonly PlainRow[]): common.ColumnSchema[] {
  const names = new Set<string>();
  for (const r of rows) for (const k of Object.keys(r)) names.add(k);
  return [...names].map((name) => common.ColumnSchema.fromPartial({ name, type: typeOfValues(rows.map((r) => valuesOf(r)[name])), nullable: true }));
}

/**
 * Converts plain row objects that have no declared schema (e.g. the input of a
 * prediction) to a {@link common.RowBatch}: every key becomes a column typed by its
 * values: numbers, booleans, Dates or ISO 8601 date-time strings (sent as TIMESTAMP),
 * text. `null`, `undefined`, `NaN` and missing keys are nulls. With a dataset's schema,
 * use `rowBatchFromRecords` from the ingestion client instead (which this builds on).
 */
export function toRowBatch(rows: readonly PlainRow[]): common.RowBatch {
  const columns = schemaOfRows(rows);
  const timestamps = columns.filter((c) => c.type === T.COLUMN_TYPE_TIMESTAMP).map((c) => c.name);
  const records = timestamps.length
    ? rows.map((r) => {
        const copy: Record<string, unknown> = { ...r };
        for (const t of timestamps) if (typeof copy[t] === 'string') copy[t] = new Date(copy[t] as string);
        return copy;
      })
    : (rows as Record<string, unknown>[]);
  const input = rowBatchFromRecords({ columns }, records as Record<string, unknown>[]);
  return common.RowBatch.fromPartial({
    rowCount: input.rowCount,
    columns: input.columns.map((c) => ({
      name: c.name,
      type: c.type,
      nulls: Buffer.from(c.nulls ?? new Uint8Array(0)),
      numbers: Array.from(c.numbers ?? []),
      integers: Array.from(c.integers ?? []),
      booleans: Array.from(c.booleans ?? [], Boolean),
      strings: c.strings ?? [],
      timestamps: Array.from(c.timestamps ?? []),
    })),
  });
}

/** Renders plain rows as CSV text (header first), e.g. as a sample for InferSchema. */
export function rowsToCsv(rows: readonly PlainRow[]): string {
  const names = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const cell = (v: PlainValue) => {
    if (isMissing(v)) return '';
    const s = v instanceof Date ? v.toISOString() : String(v);
    return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [names.join(','), ...rows.map((r) => names.map((n) => cell(valuesOf(r)[n])).join(','))].join('\n') + '\n';
}
