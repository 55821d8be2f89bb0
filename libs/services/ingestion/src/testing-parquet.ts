/**
 * Test helper: a minimal Parquet writer (no writer is installed): one data page per
 * column per row group, PLAIN encoding, uncompressed, OPTIONAL columns with definition
 * levels. Enough for hyparquet to read what the CLI imports.
 */

/** A column to write: INT64 (optionally TIMESTAMP_MICROS), DOUBLE or UTF8 strings. */
export interface ParquetColumn {
  name: string;
  kind: 'int64' | 'timestamp_micros' | 'double' | 'utf8';
  values: (number | string | null)[];
}

class Compact {
  bytes: number[] = [];
  private last: number[] = [0];
  varint(v: bigint | number): void {
    let x = BigInt(v);
    while (x >= 0x80n) {
      this.bytes.push(Number(x & 0x7fn) | 0x80);
      x >>= 7n;
    }
    this.bytes.push(Number(x));
  }
  zigzag(v: number | bigint): void {
    const x = BigInt(v);
    this.varint(x >= 0n ? x * 2n : -x * 2n - 1n);
  }
  field(id: number, type: number): void {
    const delta = id - this.last[this.last.length - 1];
    if (delta > 0 && delta <= 15) this.bytes.push((delta << 4) | type);
    else {
      this.bytes.push(type);
      this.zigzag(id);
    }
    this.last[this.last.length - 1] = id;
  }
  i32(id: number, v: number): void {
    this.field(id, 5);
    this.zigzag(v);
  }
  i64(id: number, v: number | bigint): void {
    this.field(id, 6);
    this.zigzag(v);
  }
  string(id: number, s: string): void {
    this.field(id, 8);
    const b = Buffer.from(s);
    this.varint(b.length);
    this.bytes.push(...b);
  }
  struct(id: number | undefined, body: () => void): void {
    if (id !== undefined) this.field(id, 12);
    this.last.push(0);
    body();
    this.bytes.push(0);
    this.last.pop();
  }
  list(id: number, elemType: number, n: number, each: (i: number) => void): void {
    this.field(id, 9);
    this.bytes.push(n < 15 ? (n << 4) | elemType : 0xf0 | elemType);
    if (n >= 15) this.varint(n);
    for (let i = 0; i < n; i++) each(i);
  }
  listElemI32(v: number): void {
    this.zigzag(v);
  }
  listElemString(s: string): void {
    const b = Buffer.from(s);
    this.varint(b.length);
    this.bytes.push(...b);
  }
}

const TYPE = { int64: 2, timestamp_micros: 2, double: 5, utf8: 6 } as const;

function pageData(c: ParquetColumn, from: number, to: number): Buffer {
  const vals = c.values.slice(from, to);
  const n = vals.length;
  // Definition levels: RLE/bit-packed hybrid, bit width 1, one bit-packed run, 4-byte length prefix.
  const groups = Math.ceil(n / 8);
  const levels = Buffer.alloc(groups);
  vals.forEach((v, i) => v !== null && (levels[i >> 3] |= 1 << (i & 7)));
  const header = new Compact();
  header.varint((groups << 1) | 1);
  const defs = Buffer.concat([Buffer.from(header.bytes), levels]);
  const parts: Buffer[] = [Buffer.alloc(4), defs];
  parts[0].writeUInt32LE(defs.length);
  for (const v of vals) {
    if (v === null) continue;
    if (c.kind === 'utf8') {
      const b = Buffer.from(String(v));
      const len = Buffer.alloc(4);
      len.writeUInt32LE(b.length);
      parts.push(len, b);
    } else if (c.kind === 'double') {
      const b = Buffer.alloc(8);
      b.writeDoubleLE(Number(v));
      parts.push(b);
    } else {
      const b = Buffer.alloc(8);
      b.writeBigInt64LE(BigInt(v));
      parts.push(b);
    }
  }
  return Buffer.concat(parts);
}

/** Writes a Parquet file's bytes with row groups of `groupRows` rows. */
export function writeParquet(columns: ParquetColumn[], groupRows: number): Buffer {
  const rows = columns[0].values.length;
  const chunks: Buffer[] = [Buffer.from('PAR1')];
  let offset = 4;
  const groups: { cols: { offset: number; size: number; n: number }[]; n: number }[] = [];
  for (let from = 0; from < rows; from += groupRows) {
    const to = Math.min(rows, from + groupRows);
    const cols = columns.map((c) => {
      const data = pageData(c, from, to);
      const h = new Compact();
      h.struct(undefined, () => {
        h.i32(1, 0); // DATA_PAGE
        h.i32(2, data.length);
        h.i32(3, data.length);
        h.struct(5, () => {
          h.i32(1, to - from);
          h.i32(2, 0); // PLAIN
          h.i32(3, 3); // RLE
          h.i32(4, 3);
        });
      });
      const page = Buffer.concat([Buffer.from(h.bytes), data]);
      const at = offset;
      chunks.push(page);
      offset += page.length;
      return { offset: at, size: page.length, n: to - from };
    });
    groups.push({ cols, n: to - from });
  }
  const m = new Compact();
  m.struct(undefined, () => {
    m.i32(1, 1);
    m.list(2, 12, columns.length + 1, (i) =>
      m.struct(undefined, () => {
        if (i === 0) {
          m.string(4, 'schema');
          m.i32(5, columns.length);
          return;
        }
        const c = columns[i - 1];
        m.i32(1, TYPE[c.kind]);
        m.i32(3, 1); // OPTIONAL
        m.string(4, c.name);
        if (c.kind === 'utf8') m.i32(6, 0); // UTF8
        if (c.kind === 'timestamp_micros') m.i32(6, 10); // TIMESTAMP_MICROS
      }),
    );
    m.i64(3, rows);
    m.list(4, 12, groups.length, (g) =>
      m.struct(undefined, () => {
        const group = groups[g];
        m.list(1, 12, columns.length, (ci) =>
          m.struct(undefined, () => {
            const c = group.cols[ci];
            m.i64(2, c.offset);
            m.struct(3, () => {
              m.i32(1, TYPE[columns[ci].kind]);
              m.list(2, 5, 2, (k) => m.listElemI32(k === 0 ? 0 : 3));
              m.list(3, 8, 1, () => m.listElemString(columns[ci].name));
              m.i32(4, 0);
              m.i64(5, c.n);
              m.i64(6, c.size);
              m.i64(7, c.size);
              m.i64(9, c.offset);
            });
          }),
        );
        m.i64(2, group.cols.reduce((a, c) => a + c.size, 0));
        m.i64(3, group.n);
      }),
    );
  });
  const meta = Buffer.from(m.bytes);
  const len = Buffer.alloc(4);
  len.writeUInt32LE(meta.length);
  chunks.push(meta, len, Buffer.from('PAR1'));
  return Buffer.concat(chunks);
}
