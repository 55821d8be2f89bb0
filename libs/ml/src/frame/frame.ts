/**
 * The columnar frame: raw data as typed arrays, one array per column. Every transform
 * reads frames; services build them from protobuf RowBatches or from dataset reads.
 */

/** The logical type of a frame column. */
export type ColumnType = 'number' | 'integer' | 'boolean' | 'category' | 'text' | 'timestamp';

/** Column types whose values live in a Float64Array. */
export const NUMERIC_TYPES: readonly ColumnType[] = ['number', 'integer', 'boolean', 'timestamp'];

/** Column types whose values live in a string array. */
export const STRING_TYPES: readonly ColumnType[] = ['category', 'text'];

/**
 * One column. `values` is a Float64Array for number / integer / boolean (0 or 1) /
 * timestamp (epoch microseconds, UTC), and a string array for category / text.
 * `nulls[i] === 1` marks row i as null (its value slot is then meaningless).
 */
export type FrameColumn =
  | { type: 'number' | 'integer' | 'boolean' | 'timestamp'; values: Float64Array; nulls?: Uint8Array }
  | { type: 'category' | 'text'; values: string[]; nulls?: Uint8Array };

/** A columnar table of `rowCount` rows. */
export interface Frame {
  rowCount: number;
  columns: Record<string, FrameColumn>;
}

/** True when the column stores numbers (Float64Array values). */
export function isNumericColumn(
  col: FrameColumn,
): col is Extract<FrameColumn, { values: Float64Array }> {
  return col.values instanceof Float64Array;
}

/** True when row `i` of the column is null (explicit null mask, or NaN in a numeric column). */
export function isNull(col: FrameColumn, i: number): boolean {
  if (col.nulls !== undefined && col.nulls[i] === 1) return true;
  return isNumericColumn(col) && Number.isNaN(col.values[i]);
}

/** The column types of a frame, as the spec validator wants them. */
export function frameColumnTypes(frame: Frame): Record<string, ColumnType> {
  const out: Record<string, ColumnType> = {};
  for (const [name, col] of Object.entries(frame.columns)) out[name] = col.type;
  return out;
}

/** Builds a numeric column, checking the value array type. */
export function numericColumn(
  type: 'number' | 'integer' | 'boolean' | 'timestamp',
  values: Float64Array | ArrayLike<number>,
  nulls?: Uint8Array,
): FrameColumn {
  const arr = values instanceof Float64Array ? values : Float64Array.from(values);
  return nulls ? { type, values: arr, nulls } : { type, values: arr };
}

/** Builds a category or text column. */
export function stringColumn(type: 'category' | 'text', values: string[], nulls?: Uint8Array): FrameColumn {
  return nulls ? { type, values, nulls } : { type, values };
}

/**
 * Builds a frame from columns, checking that every column has the same length.
 * @throws Error when column lengths differ.
 */
export function frameFromColumns(columns: Record<string, FrameColumn>): Frame {
  let rowCount = -1;
  for (const [name, col] of Object.entries(columns)) {
    if (rowCount < 0) rowCount = col.values.length;
    else if (col.values.length !== rowCount) {
      throw new Error(`column ${name} has ${col.values.length} rows, expected ${rowCount}`);
    }
    if (col.nulls && col.nulls.length !== col.values.length) {
      throw new Error(`column ${name}: nulls mask length ${col.nulls.length} != ${col.values.length}`);
    }
  }
  return { rowCount: Math.max(rowCount, 0), columns };
}

/** Epoch microseconds of an ISO-8601 string, a Date, or a number (taken as microseconds). */
export function toEpochMicros(value: string | number | Date): number {
  if (typeof value === 'number') return value;
  const ms = value instanceof Date ? value.getTime() : Date.parse(value);
  if (Number.isNaN(ms)) throw new Error(`not a timestamp: ${String(value)}`);
  return ms * 1000;
}

/** ISO-8601 (UTC) text of an epoch-microseconds timestamp. */
export function fromEpochMicros(us: number): string {
  return new Date(Math.floor(us / 1000)).toISOString();
}

/**
 * Reads one cell as a plain JS value: number, boolean, string, ISO timestamp string, or null.
 */
export function cellValue(col: FrameColumn, i: number): number | boolean | string | null {
  if (isNull(col, i)) return null;
  if (!isNumericColumn(col)) return col.values[i];
  const v = col.values[i];
  if (col.type === 'boolean') return v !== 0;
  if (col.type === 'timestamp') return fromEpochMicros(v);
  return v;
}
