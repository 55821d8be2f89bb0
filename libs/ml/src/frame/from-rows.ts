import { InputError } from '../errors';
import { cellValue, ColumnType, Frame, FrameColumn, toEpochMicros } from './frame';

/** A plain row object, as JSON or a CSV reader would give it. */
export type RowObject = Record<string, unknown>;

function inferType(rows: readonly RowObject[], name: string): ColumnType {
  for (const row of rows) {
    const v = row[name];
    if (v === null || v === undefined) continue;
    if (typeof v === 'boolean') return 'boolean';
    if (typeof v === 'number' || typeof v === 'bigint') return 'number';
    if (v instanceof Date) return 'timestamp';
    return 'category';
  }
  return 'number';
}

function toNumber(v: unknown, type: ColumnType, name: string, row: number): number {
  if (type === 'timestamp') {
    if (typeof v === 'number' || v instanceof Date) return toEpochMicros(v);
    if (typeof v === 'string') {
      const ms = Date.parse(v);
      if (!Number.isNaN(ms)) return ms * 1000;
    }
  } else if (type === 'boolean') {
    if (typeof v === 'boolean') return v ? 1 : 0;
    if (v === 'true' || v === 1 || v === '1') return 1;
    if (v === 'false' || v === 0 || v === '0') return 0;
  } else {
    const n = typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : Number(v);
    if (!Number.isNaN(n) && !(typeof v === 'string' && v.trim() === '')) return n;
  }
  throw new InputError(`column ${name}, row ${row}: cannot read ${JSON.stringify(v)} as ${type}`, name, row);
}

/**
 * Builds a column from one field of each row. null / undefined / NaN become nulls.
 * Timestamps accept ISO strings, Dates, or numbers (epoch microseconds).
 * @throws InputError naming the column and row when a value does not fit the type.
 */
export function columnFromValues(name: string, type: ColumnType, values: readonly unknown[]): FrameColumn {
  const n = values.length;
  let nulls: Uint8Array | undefined;
  const markNull = (i: number) => {
    nulls ??= new Uint8Array(n);
    nulls[i] = 1;
  };
  if (type === 'category' || type === 'text') {
    const out = new Array<string>(n);
    for (let i = 0; i < n; i++) {
      const v = values[i];
      if (v === null || v === undefined) {
        out[i] = '';
        markNull(i);
      } else out[i] = typeof v === 'string' ? v : String(v);
    }
    return nulls ? { type, values: out, nulls } : { type, values: out };
  }
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v))) {
      out[i] = NaN;
      markNull(i);
    } else out[i] = toNumber(v, type, name, i);
  }
  return nulls ? { type, values: out, nulls } : { type, values: out };
}

/**
 * Builds a frame from row objects. Column types come from `schema`, or are inferred from
 * the first non-null value (number → number, boolean → boolean, Date → timestamp,
 * anything else → category). Columns listed in `schema` but absent from the rows are null.
 */
export function frameFromRows(rows: readonly RowObject[], schema?: Record<string, ColumnType>): Frame {
  const names = schema ? Object.keys(schema) : [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const columns: Record<string, FrameColumn> = {};
  for (const name of names) {
    const type = schema?.[name] ?? inferType(rows, name);
    columns[name] = columnFromValues(
      name,
      type,
      rows.map((r) => r[name]),
    );
  }
  return { rowCount: rows.length, columns };
}

/** Turns a frame back into row objects (timestamps as ISO strings, nulls as null). For previews and tests. */
export function frameToRows(frame: Frame): RowObject[] {
  const out: RowObject[] = [];
  const entries = Object.entries(frame.columns);
  for (let i = 0; i < frame.rowCount; i++) {
    const row: RowObject = {};
    for (const [name, col] of entries) row[name] = cellValue(col, i);
    out.push(row);
  }
  return out;
}
