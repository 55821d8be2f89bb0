import { common } from '@cityml/proto';

type Cell = number | string | boolean | Date | null | undefined;
type TypeName = 'number' | 'integer' | 'boolean' | 'category' | 'text' | 'timestamp';

const TYPES: Record<TypeName, common.ColumnType> = {
  number: common.ColumnType.COLUMN_TYPE_NUMBER,
  integer: common.ColumnType.COLUMN_TYPE_INTEGER,
  boolean: common.ColumnType.COLUMN_TYPE_BOOLEAN,
  category: common.ColumnType.COLUMN_TYPE_CATEGORY,
  text: common.ColumnType.COLUMN_TYPE_TEXT,
  timestamp: common.ColumnType.COLUMN_TYPE_TIMESTAMP,
};

/** Test helper: a columnar RowBatch from typed columns of plain values (null = null). */
export function rowBatch(columns: Record<string, [TypeName, Cell[]]>): common.RowBatch {
  const entries = Object.entries(columns);
  const n = entries.length ? entries[0][1][1].length : 0;
  return {
    rowCount: n,
    columns: entries.map(([name, [type, values]]) => {
      const nulls = Buffer.alloc(Math.ceil(n / 8));
      let any = false;
      values.forEach((v, i) => {
        if (v === null || v === undefined) {
          nulls[i >> 3] |= 1 << (i & 7);
          any = true;
        }
      });
      const col: common.Column = { name, type: TYPES[type], nulls: any ? nulls : Buffer.alloc(0), numbers: [], integers: [], booleans: [], strings: [], timestamps: [] };
      const z = (v: Cell, d: number | string | boolean) => (v === null || v === undefined ? d : v);
      if (type === 'number') col.numbers = values.map((v) => Number(z(v, 0)));
      else if (type === 'integer') col.integers = values.map((v) => Number(z(v, 0)));
      else if (type === 'boolean') col.booleans = values.map((v) => Boolean(z(v, false)));
      else if (type === 'timestamp') col.timestamps = values.map((v) => (v === null || v === undefined ? 0 : v instanceof Date ? v.getTime() * 1000 : typeof v === 'string' ? Date.parse(v) * 1000 : Number(v)));
      else col.strings = values.map((v) => String(z(v, '')));
      return col;
    }),
  };
}

/** Splits a batch into batches of at most `size` rows (as ReadRows would stream them). */
export function* chunkBatch(batch: common.RowBatch, size: number): Iterable<common.RowBatch> {
  for (let s = 0; s < batch.rowCount; s += size) {
    const e = Math.min(batch.rowCount, s + size);
    yield {
      rowCount: e - s,
      columns: batch.columns.map((c) => {
        const nulls = Buffer.alloc(Math.ceil((e - s) / 8));
        let any = false;
        for (let i = s; i < e; i++) {
          if (c.nulls.length && (c.nulls[i >> 3] >> (i & 7)) & 1) {
            nulls[(i - s) >> 3] |= 1 << ((i - s) & 7);
            any = true;
          }
        }
        return { ...c, nulls: any ? nulls : Buffer.alloc(0), numbers: c.numbers.slice(s, e), integers: c.integers.slice(s, e), booleans: c.booleans.slice(s, e), strings: c.strings.slice(s, e), timestamps: c.timestamps.slice(s, e) };
      }),
    };
  }
}

/** The schema of a batch (for CreateDataset in end-to-end tests). */
export function schemaOf(batch: common.RowBatch, timeColumn = '', timeZone = ''): common.Schema {
  return { columns: batch.columns.map((c) => ({ name: c.name, type: c.type, nullable: true, description: '' })), timeColumn, timeZone };
}
