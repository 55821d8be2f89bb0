import { common } from '@cityml/proto';

const T = common.ColumnType;

/** The Postgres type of a column type in a rows table. */
export function pgType(t: common.ColumnType): string {
  switch (t) {
    case T.COLUMN_TYPE_NUMBER:
      return 'float8';
    case T.COLUMN_TYPE_INTEGER:
      return 'int8';
    case T.COLUMN_TYPE_BOOLEAN:
      return 'bool';
    case T.COLUMN_TYPE_TIMESTAMP:
      return 'timestamptz';
    default:
      return 'text';
  }
}

/** The rows table's column for schema column `i` (never the user's name). */
export const columnIdent = (i: number) => `c${i}`;

/** Table names come from dataset ids only; this guards the one place they reach SQL text. */
function checkTable(table: string): string {
  if (!/^rows_[0-9a-f]{32}$/.test(table)) throw new Error(`bad rows table name ${table}`);
  return `ingestion.${table}`;
}

/**
 * DDL of a dataset's rows table: one typed column per schema column, batch_seq and
 * row_no. Append-only; BRIN indexes (cheap to maintain under COPY: a btree on
 * (batch_seq, row_no) cost about 0.1 of the benchmark ratio) on batch_seq and the time column.
 */
export function rowsTableDdl(table: string, schema: common.Schema): string {
  const q = checkTable(table);
  const cols = schema.columns.map((c, i) => `${columnIdent(i)} ${pgType(c.type)}`);
  const time = schema.columns.findIndex((c) => c.name === schema.timeColumn);
  return [
    `create table ${q} (${[...cols, 'batch_seq int8 not null', 'row_no int8 not null'].join(', ')})`,
    `create index on ${q} using brin (batch_seq)`,
    time >= 0 ? `create index on ${q} using brin (${columnIdent(time)})` : '',
  ]
    .filter(Boolean)
    .join(';\n');
}

/** The `copy ... from stdin` statement of a rows table (binary format). */
export function copyStatement(table: string, schema: common.Schema): string {
  const cols = schema.columns.map((_, i) => columnIdent(i));
  return `copy ${checkTable(table)} (${[...cols, 'batch_seq', 'row_no'].join(', ')}) from stdin with (format binary)`;
}

/**
 * The select that reads a version: the chosen schema columns (timestamps as µs since
 * the epoch), rows of the given batches, optionally a time range ($2, $3 as µs).
 */
export function readStatement(table: string, schema: common.Schema, columns: number[], timeRange: boolean): string {
  const exprs = columns.map((i) => {
    const c = columnIdent(i);
    return schema.columns[i].type === T.COLUMN_TYPE_TIMESTAMP ? `(extract(epoch from ${c}) * 1000000)::int8 as ${c}` : c;
  });
  const time = schema.columns.findIndex((c) => c.name === schema.timeColumn);
  let where = 'batch_seq = any($1::int8[])';
  if (timeRange && time >= 0) {
    const tc = columnIdent(time);
    where += ` and ($2::int8 is null or ${tc} >= timestamptz 'epoch' + $2::int8 * interval '1 microsecond') and ($3::int8 is null or ${tc} < timestamptz 'epoch' + $3::int8 * interval '1 microsecond')`;
  }
  return `select ${exprs.join(', ') || '1 as one'} from ${checkTable(table)} where ${where} order by batch_seq, row_no`;
}
