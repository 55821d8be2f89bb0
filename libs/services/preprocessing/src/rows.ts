import type { ColumnType, Frame, FrameColumn } from '@cityml/ml';
import { common } from '@cityml/proto';
import { InvalidArgumentError } from '@cityml/runtime';

/**
 * RowBatch (protobuf, columnar) → libs/ml Frame (typed arrays). This is the adapter the
 * preprocessing service keeps because libs/ml has no protobuf code: ReadRows batches are
 * appended into growable typed arrays, so a million-row version is converted without
 * building row objects.
 */

const PROTO_TO_ML: Partial<Record<common.ColumnType, ColumnType>> = {
  [common.ColumnType.COLUMN_TYPE_NUMBER]: 'number',
  [common.ColumnType.COLUMN_TYPE_INTEGER]: 'integer',
  [common.ColumnType.COLUMN_TYPE_BOOLEAN]: 'boolean',
  [common.ColumnType.COLUMN_TYPE_CATEGORY]: 'category',
  [common.ColumnType.COLUMN_TYPE_TEXT]: 'text',
  [common.ColumnType.COLUMN_TYPE_TIMESTAMP]: 'timestamp',
};

/** The libs/ml column type of a protobuf column type (undefined for UNSPECIFIED). */
export function mlColumnType(type: common.ColumnType): ColumnType | undefined {
  return PROTO_TO_ML[type];
}

/** The protobuf name of a column type without its prefix, e.g. "NUMBER" (for error messages). */
export function columnTypeName(type: ColumnType): string {
  return type.toUpperCase();
}

interface Growing {
  type: ColumnType;
  numbers?: Float64Array;
  strings?: string[];
  nulls?: Uint8Array;
}

/**
 * Accumulates RowBatches into one Frame. `expectedRows` (when known) sizes the typed
 * arrays once; otherwise they grow by doubling.
 * @throws InvalidArgumentError when a batch's column lacks values or changes type.
 */
export class FrameBuilder {
  private cols = new Map<string, Growing>();
  private rows = 0;
  private capacity: number;

  constructor(expectedRows = 0) {
    this.capacity = Math.max(1024, expectedRows);
  }

  get rowCount(): number {
    return this.rows;
  }

  /** Appends one batch. */
  add(batch: common.RowBatch): void {
    const n = batch.rowCount;
    if (n === 0) return;
    this.ensure(this.rows + n);
    for (const c of batch.columns) {
      const type = mlColumnType(c.type);
      if (!type) throw InvalidArgumentError.field(`rows.columns[${c.name}].type`, 'the column type is unspecified');
      let g = this.cols.get(c.name);
      if (!g) {
        g = { type };
        if (type === 'category' || type === 'text') g.strings = [];
        else g.numbers = new Float64Array(this.capacity);
        if (this.rows > 0) this.markNullRange(g, 0, this.rows);
        this.cols.set(c.name, g);
      } else if (g.type !== type) {
        throw InvalidArgumentError.field(`rows.columns[${c.name}].type`, `the column changed type from ${g.type} to ${type}`);
      }
      this.append(g, c, n);
    }
    for (const [name, g] of this.cols) {
      if (!batch.columns.some((c) => c.name === name)) this.markNullRange(g, this.rows, this.rows + n);
    }
    this.rows += n;
  }

  /** The frame of every batch added so far (arrays trimmed to the row count). */
  build(): Frame {
    const columns: Record<string, FrameColumn> = {};
    for (const [name, g] of this.cols) {
      const nulls = g.nulls ? g.nulls.slice(0, this.rows) : undefined;
      if (g.strings) {
        while (g.strings.length < this.rows) g.strings.push('');
        columns[name] = nulls ? { type: g.type as 'category', values: g.strings, nulls } : { type: g.type as 'category', values: g.strings };
      } else {
        const values = (g.numbers as Float64Array).subarray(0, this.rows);
        columns[name] = nulls ? { type: g.type as 'number', values, nulls } : { type: g.type as 'number', values };
      }
    }
    return { rowCount: this.rows, columns };
  }

  private ensure(rows: number): void {
    if (rows <= this.capacity) return;
    let cap = this.capacity;
    while (cap < rows) cap *= 2;
    for (const g of this.cols.values()) {
      if (g.numbers) {
        const next = new Float64Array(cap);
        next.set(g.numbers.subarray(0, this.rows));
        g.numbers = next;
      }
      if (g.nulls) {
        const next = new Uint8Array(cap);
        next.set(g.nulls.subarray(0, this.rows));
        g.nulls = next;
      }
    }
    this.capacity = cap;
  }

  private markNullRange(g: Growing, from: number, to: number): void {
    g.nulls ??= new Uint8Array(this.capacity);
    g.nulls.fill(1, from, to);
    if (g.numbers) g.numbers.fill(NaN, from, to);
    if (g.strings) for (let i = from; i < to; i++) g.strings[i] = '';
  }

  private append(g: Growing, c: common.Column, n: number): void {
    const off = this.rows;
    const src = valuesOf(c, g.type);
    if (src.length !== n) {
      throw InvalidArgumentError.field(`rows.columns[${c.name}]`, `has ${src.length} values for ${n} rows`);
    }
    if (g.strings) {
      const s = src as string[];
      for (let i = 0; i < n; i++) g.strings.push(s[i]);
    } else {
      const out = g.numbers as Float64Array;
      if (g.type === 'boolean') {
        const b = src as boolean[];
        for (let i = 0; i < n; i++) out[off + i] = b[i] ? 1 : 0;
      } else {
        const v = src as number[];
        for (let i = 0; i < n; i++) out[off + i] = v[i];
      }
    }
    const bits = c.nulls;
    if (bits && bits.length) {
      g.nulls ??= new Uint8Array(this.capacity);
      const nulls = g.nulls;
      for (let i = 0; i < n; i++) {
        if ((bits[i >> 3] >> (i & 7)) & 1) {
          nulls[off + i] = 1;
          if (g.numbers) g.numbers[off + i] = NaN;
        }
      }
    }
  }
}

function valuesOf(c: common.Column, type: ColumnType): ArrayLike<unknown> {
  switch (type) {
    case 'number':
      return c.numbers;
    case 'integer':
      return c.integers;
    case 'boolean':
      return c.booleans;
    case 'timestamp':
      return c.timestamps;
    default:
      return c.strings;
  }
}

/** One RowBatch as a Frame. @throws InvalidArgumentError for a malformed batch. */
export function frameFromBatch(batch: common.RowBatch): Frame {
  const b = new FrameBuilder(batch.rowCount);
  b.add(batch);
  return b.build();
}

/** The column types of a RowBatch, as the spec validator wants them. */
export function batchColumnTypes(batch: common.RowBatch): Record<string, ColumnType> {
  const out: Record<string, ColumnType> = {};
  for (const c of batch.columns) {
    const t = mlColumnType(c.type);
    if (t) out[c.name] = t;
  }
  return out;
}
