import { common } from '@cityml/proto';
import type { NormalizedBatch } from './batch';

const T = common.ColumnType;
const CHUNK = 1 << 20;
const TWO_32 = 4294967296;
/** Microseconds between 1970-01-01 and 2000-01-01 (Postgres' timestamp epoch). */
const PG_EPOCH_MICROS = 946684800000000;
const HEADER = Buffer.from([0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00, 0, 0, 0, 0, 0, 0, 0, 0]);

/**
 * Encodes accepted rows into Postgres' binary COPY format (no number-to-text
 * formatting): per row the schema's columns, then batch_seq and row_no. Output comes
 * in chunks of about 1 MiB for the COPY stream.
 */
export class CopyEncoder {
  private buf = Buffer.allocUnsafe(CHUNK);
  private view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.length);
  private at = 0;
  private readonly out: Buffer[] = [];
  private readonly dictionary = new Map<string, Buffer>();

  constructor(private readonly batchSeq: number) {
    HEADER.copy(this.buf, 0);
    this.at = HEADER.length;
  }

  private ensure(n: number): void {
    if (this.at + n <= this.buf.length) return;
    if (this.at) this.out.push(this.buf.subarray(0, this.at));
    this.buf = Buffer.allocUnsafe(Math.max(CHUNK, n));
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.length);
    this.at = 0;
  }

  private bytesOf(s: string): Buffer {
    let b = this.dictionary.get(s);
    if (!b) {
      b = Buffer.from(s, 'utf8');
      if (this.dictionary.size > 50_000) this.dictionary.clear();
      this.dictionary.set(s, b);
    }
    return b;
  }

  /** Encodes the rows of `batch` that are not bad; `firstRowNo` numbers the batch's first row. */
  encode(batch: NormalizedBatch, firstRowNo: number): void {
    const cols = batch.columns;
    const fields = cols.length + 2;
    const types = cols.map((c) => c.schema.type);
    const stringCols = types.flatMap((t, j) => (t === T.COLUMN_TYPE_CATEGORY || t === T.COLUMN_TYPE_TEXT ? [j] : []));
    const catBytes: (Buffer | undefined)[] = new Array(cols.length);
    const fixed = 2 + fields * 12;
    for (let i = 0; i < batch.rowCount; i++) {
      if (batch.bad[i]) continue;
      let need = fixed;
      for (const j of stringCols) {
        const c = cols[j];
        if (c.isNull[i]) continue;
        if (types[j] === T.COLUMN_TYPE_CATEGORY) need += (catBytes[j] = this.bytesOf(c.strings![i])).length;
        else need += c.strings![i].length * 3;
      }
      this.ensure(need);
      const v = this.view;
      let o = this.at;
      v.setInt16(o, fields);
      o += 2;
      for (let j = 0; j < cols.length; j++) {
        const c = cols[j];
        if (c.isNull[i]) {
          v.setInt32(o, -1);
          o += 4;
          continue;
        }
        switch (types[j]) {
          case T.COLUMN_TYPE_NUMBER:
            v.setInt32(o, 8);
            v.setFloat64(o + 4, c.values![i]);
            o += 12;
            break;
          case T.COLUMN_TYPE_INTEGER:
          case T.COLUMN_TYPE_TIMESTAMP: {
            const x = types[j] === T.COLUMN_TYPE_TIMESTAMP ? c.values![i] - PG_EPOCH_MICROS : c.values![i];
            const hi = Math.floor(x / TWO_32);
            v.setInt32(o, 8);
            v.setInt32(o + 4, hi);
            v.setUint32(o + 8, x - hi * TWO_32);
            o += 12;
            break;
          }
          case T.COLUMN_TYPE_BOOLEAN:
            v.setInt32(o, 1);
            v.setUint8(o + 4, c.values![i] ? 1 : 0);
            o += 5;
            break;
          case T.COLUMN_TYPE_CATEGORY: {
            const b = catBytes[j]!;
            v.setInt32(o, b.length);
            b.copy(this.buf, o + 4);
            o += 4 + b.length;
            break;
          }
          default: {
            const n = this.buf.write(c.strings![i], o + 4, 'utf8');
            v.setInt32(o, n);
            o += 4 + n;
          }
        }
      }
      this.writeTail(o, firstRowNo + i);
    }
  }

  private writeTail(o: number, rowNo: number): void {
    const v = this.view;
    v.setInt32(o, 8);
    v.setInt32(o + 4, Math.floor(this.batchSeq / TWO_32));
    v.setUint32(o + 8, this.batchSeq % TWO_32);
    v.setInt32(o + 12, 8);
    v.setInt32(o + 16, Math.floor(rowNo / TWO_32));
    v.setUint32(o + 20, rowNo % TWO_32);
    this.at = o + 24;
  }

  /** The encoded chunks so far (a chunk is handed out once). */
  take(): Buffer[] {
    if (this.at) this.out.push(this.buf.subarray(0, this.at));
    this.buf = this.buf.subarray(this.at);
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.length);
    this.at = 0;
    return this.out.splice(0);
  }

  /** The trailer that ends the COPY data. */
  static trailer(): Buffer {
    return Buffer.from([0xff, 0xff]);
  }
}
