import { common } from '@cityml/proto';
import { InvalidArgumentError } from '@cityml/runtime';
import type { ColumnType as MlColumnType, Frame, FrameColumn } from '@cityml/ml';

const T = common.ColumnType;

/** A raw column a model reads; `any` accepts every column type (a forecast's group column). */
export interface InputColumn {
  name: string;
  type: MlColumnType | 'any';
}

const TYPE_NAMES: Record<number, MlColumnType> = {
  [T.COLUMN_TYPE_NUMBER]: 'number',
  [T.COLUMN_TYPE_INTEGER]: 'integer',
  [T.COLUMN_TYPE_BOOLEAN]: 'boolean',
  [T.COLUMN_TYPE_CATEGORY]: 'category',
  [T.COLUMN_TYPE_TEXT]: 'text',
  [T.COLUMN_TYPE_TIMESTAMP]: 'timestamp',
};

/** The RowBatch column type name of an ml column type (for messages and metadata). */
export function protoTypeName(type: MlColumnType | 'any'): string {
  return type === 'any' ? 'any' : type.toUpperCase();
}

/** True when a column given as `given` can feed a model column fitted as `want`. */
export function compatible(want: MlColumnType | 'any', given: MlColumnType): boolean {
  if (want === 'any' || want === given) return true;
  const numeric = (t: string) => t === 'number' || t === 'integer';
  const text = (t: string) => t === 'category' || t === 'text';
  return (numeric(want) && numeric(given)) || (text(want) && text(given));
}

function bad(column: string, reason: string, row?: number): InvalidArgumentError {
  const where = row === undefined ? `column ${column}` : `column ${column}, row ${row}`;
  return new InvalidArgumentError(`${where}: ${reason}`, [{ column, ...(row === undefined ? {} : { row }), reason }]);
}

function nullMask(col: common.Column, n: number): Uint8Array | undefined {
  const bits = col.nulls;
  if (!bits || bits.length === 0) return undefined;
  if (bits.length < Math.ceil(n / 8)) throw bad(col.name, `null bitmap has ${bits.length} bytes, ${n} rows need ${Math.ceil(n / 8)}`);
  let mask: Uint8Array | undefined;
  for (let i = 0; i < n; i++) {
    if ((bits[i >> 3] >> (i & 7)) & 1) (mask ??= new Uint8Array(n))[i] = 1;
  }
  return mask;
}

function valuesOf(col: common.Column): ArrayLike<unknown> {
  switch (col.type) {
    case T.COLUMN_TYPE_NUMBER:
      return col.numbers;
    case T.COLUMN_TYPE_INTEGER:
      return col.integers;
    case T.COLUMN_TYPE_BOOLEAN:
      return col.booleans;
    case T.COLUMN_TYPE_TIMESTAMP:
      return col.timestamps;
    default:
      return col.strings;
  }
}

function decodeColumn(col: common.Column, want: MlColumnType | 'any', n: number): FrameColumn {
  const given = TYPE_NAMES[col.type];
  if (!given) throw bad(col.name, 'the column has no type');
  if (!compatible(want, given)) throw bad(col.name, `must be of type ${protoTypeName(want)}, got ${protoTypeName(given)}`);
  const values = valuesOf(col);
  if (values.length !== n) {
    throw bad(col.name, `has ${values.length} values for ${n} rows`, Math.min(values.length, n));
  }
  const nulls = nullMask(col, n);
  const type = want === 'any' ? given : want;
  if (given === 'category' || given === 'text') {
    const strings = col.strings.slice();
    return nulls ? { type: type as 'category', values: strings, nulls } : { type: type as 'category', values: strings };
  }
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if (nulls?.[i]) {
      out[i] = NaN;
      continue;
    }
    const v = values[i] as number | boolean;
    const x = typeof v === 'boolean' ? (v ? 1 : 0) : Number(v);
    if (x === Infinity || x === -Infinity) throw bad(col.name, 'value is not finite', i);
    out[i] = x;
  }
  return nulls ? { type: type as 'number', values: out, nulls } : { type: type as 'number', values: out };
}

/**
 * Decodes the columns a model reads from a RowBatch into an ml Frame, checking each one.
 * Extra columns are ignored.
 * @throws InvalidArgumentError (INVALID_ARGUMENT) naming the column (and row): a missing
 * column, a type that does not fit the model's, a value array that is not row_count long,
 * a short null bitmap, or a non-finite number.
 */
export function frameFromRowBatch(batch: common.RowBatch | undefined, wanted: readonly InputColumn[]): Frame {
  if (!batch || batch.rowCount === 0) throw InvalidArgumentError.field('rows', 'the request carries no rows');
  const n = batch.rowCount;
  const byName = new Map(batch.columns.map((c) => [c.name, c]));
  const columns: Record<string, FrameColumn> = {};
  for (const w of wanted) {
    const col = byName.get(w.name);
    if (!col) throw bad(w.name, `missing (the model reads ${wanted.map((c) => c.name).join(', ')})`);
    columns[w.name] = decodeColumn(col, w.type, n);
  }
  return { rowCount: n, columns };
}
