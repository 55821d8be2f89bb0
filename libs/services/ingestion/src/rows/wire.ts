import { endianness } from 'node:os';
import { InvalidArgumentError } from '@cityml/runtime';

/**
 * A decoded `cityml.common.v1.Column` with typed arrays instead of per-value JS arrays.
 * Exactly the array chosen by `type` is meaningful; the others are empty.
 */
export interface WireColumn {
  name: string;
  type: number;
  /** Null bitmap, LSB first; empty means no nulls. */
  nulls: Uint8Array;
  numbers: Float64Array;
  integers: Float64Array;
  booleans: Uint8Array;
  strings: string[];
  /** Microseconds since the Unix epoch. */
  timestamps: Float64Array;
}

/** A decoded `cityml.common.v1.RowBatch`. */
export interface WireRowBatch {
  rowCount: number;
  columns: WireColumn[];
}

/** A decoded `cityml.ingestion.v1.IngestRowsRequest`, with the bytes it was decoded from. */
export interface WireIngestRowsRequest {
  dataset: string;
  batchId: string;
  policy: number;
  maxReportedErrors: number;
  rows?: WireRowBatch;
  sourceLines: Float64Array;
  /** The message as received (hashed for idempotency). */
  raw: Uint8Array;
}

const LITTLE_ENDIAN = endianness() === 'LE';
const EMPTY_F64 = new Float64Array(0);
const EMPTY_U8 = new Uint8Array(0);
const TWO_32 = 4294967296;

let pos = 0;
let lo = 0;
let hi = 0;

function malformed(): never {
  throw new InvalidArgumentError('malformed IngestRowsRequest message');
}

/** Reads a varint of at most 32 significant bits (tags, lengths, enums). */
function varint32(buf: Uint8Array): number {
  let result = 0;
  let shift = 0;
  for (;;) {
    if (pos >= buf.length) malformed();
    const b = buf[pos++];
    if (shift < 28) result |= (b & 0x7f) << shift;
    else if (shift === 28) result += (b & 0x7f) * 268435456;
    if (b < 0x80) return result;
    shift += 7;
    if (shift > 63) malformed();
  }
}

/** Reads a 64-bit varint into the module's lo/hi registers. */
function varint64(buf: Uint8Array): void {
  let b: number;
  lo = 0;
  hi = 0;
  for (let shift = 0; shift < 28; shift += 7) {
    b = buf[pos++];
    lo |= (b & 0x7f) << shift;
    if (b < 0x80) return void (lo >>>= 0);
  }
  b = buf[pos++];
  lo |= (b & 0x0f) << 28;
  hi = (b & 0x7f) >> 4;
  if (b < 0x80) return void ((lo >>>= 0), (hi >>>= 0));
  for (let shift = 3; shift <= 31; shift += 7) {
    b = buf[pos++];
    hi |= (b & 0x7f) << shift;
    if (b < 0x80) return void ((lo >>>= 0), (hi >>>= 0));
  }
  malformed();
}

function int64(buf: Uint8Array): number {
  varint64(buf);
  return (hi | 0) * TWO_32 + lo;
}

function sint64(buf: Uint8Array): number {
  varint64(buf);
  const mask = -(lo & 1);
  const l = (((lo >>> 1) | (hi << 31)) ^ mask) >>> 0;
  const h = ((hi >>> 1) ^ mask) | 0;
  return h * TWO_32 + l;
}

function skip(buf: Uint8Array, wire: number): void {
  if (wire === 0) varint64(buf);
  else if (wire === 1) pos += 8;
  else if (wire === 2) pos += varint32(buf);
  else if (wire === 5) pos += 4;
  else malformed();
}

function utf8(buf: Buffer, len: number): string {
  const s = buf.toString('utf8', pos, pos + len);
  pos += len;
  return s;
}

function doubles(buf: Uint8Array, len: number): Float64Array {
  if (len % 8 !== 0) malformed();
  const out = new Float64Array(len / 8);
  if (LITTLE_ENDIAN) new Uint8Array(out.buffer).set(buf.subarray(pos, pos + len));
  else {
    const view = new DataView(buf.buffer, buf.byteOffset + pos, len);
    for (let i = 0; i < out.length; i++) out[i] = view.getFloat64(i * 8, true);
  }
  pos += len;
  return out;
}

function varints(buf: Uint8Array, len: number, read: (b: Uint8Array) => number): Float64Array {
  const end = pos + len;
  let out = new Float64Array(Math.max(16, len >> 3));
  let n = 0;
  while (pos < end) {
    if (n === out.length) {
      const grown = new Float64Array(out.length * 2);
      grown.set(out);
      out = grown;
    }
    out[n++] = read(buf);
  }
  if (pos !== end) malformed();
  return out.subarray(0, n);
}

function append(a: Float64Array, b: Float64Array): Float64Array {
  if (a.length === 0) return b;
  const out = new Float64Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function decodeColumn(buf: Buffer, end: number): WireColumn {
  const c: WireColumn = { name: '', type: 0, nulls: EMPTY_U8, numbers: EMPTY_F64, integers: EMPTY_F64, booleans: EMPTY_U8, strings: [], timestamps: EMPTY_F64 };
  while (pos < end) {
    const tag = varint32(buf);
    const field = tag >>> 3;
    const wire = tag & 7;
    if (field === 1 && wire === 2) c.name = utf8(buf, varint32(buf));
    else if (field === 2 && wire === 0) c.type = varint32(buf);
    else if (field === 3 && wire === 2) {
      const len = varint32(buf);
      c.nulls = buf.subarray(pos, pos + len);
      pos += len;
    } else if (field === 4 && wire === 2) c.numbers = append(c.numbers, doubles(buf, varint32(buf)));
    else if (field === 4 && wire === 1) c.numbers = append(c.numbers, doubles(buf, 8));
    else if (field === 5 && wire === 2) c.integers = append(c.integers, varints(buf, varint32(buf), sint64));
    else if (field === 5 && wire === 0) c.integers = append(c.integers, Float64Array.of(sint64(buf)));
    else if (field === 6 && (wire === 2 || wire === 0)) {
      const bools = wire === 2 ? varints(buf, varint32(buf), int64) : Float64Array.of(int64(buf));
      const merged = new Uint8Array(c.booleans.length + bools.length);
      merged.set(c.booleans);
      for (let i = 0; i < bools.length; i++) merged[c.booleans.length + i] = bools[i] ? 1 : 0;
      c.booleans = merged;
    } else if (field === 7 && wire === 2) c.strings.push(utf8(buf, varint32(buf)));
    else if (field === 8 && wire === 2) c.timestamps = append(c.timestamps, varints(buf, varint32(buf), int64));
    else if (field === 8 && wire === 0) c.timestamps = append(c.timestamps, Float64Array.of(int64(buf)));
    else skip(buf, wire);
  }
  if (pos !== end) malformed();
  return c;
}

function decodeRowBatch(buf: Buffer, end: number): WireRowBatch {
  const batch: WireRowBatch = { rowCount: 0, columns: [] };
  while (pos < end) {
    const tag = varint32(buf);
    if (tag === 8) batch.rowCount = varint32(buf);
    else if (tag === 18) {
      const len = varint32(buf);
      batch.columns.push(decodeColumn(buf, pos + len));
    } else skip(buf, tag & 7);
  }
  if (pos !== end) malformed();
  return batch;
}

/**
 * Decodes an IngestRowsRequest from its wire format straight into typed arrays (packed
 * doubles are one memcpy). Used in place of the generated per-value decoder.
 * Throws INVALID_ARGUMENT on malformed input.
 */
export function decodeIngestRowsRequest(input: Buffer): WireIngestRowsRequest {
  const buf = input;
  const msg: WireIngestRowsRequest = { dataset: '', batchId: '', policy: 0, maxReportedErrors: 0, sourceLines: EMPTY_F64, raw: input };
  pos = 0;
  const end = buf.length;
  while (pos < end) {
    const tag = varint32(buf);
    const field = tag >>> 3;
    const wire = tag & 7;
    if (field === 1 && wire === 2) msg.dataset = utf8(buf, varint32(buf));
    else if (field === 2 && wire === 2) msg.batchId = utf8(buf, varint32(buf));
    else if (field === 3 && wire === 0) msg.policy = varint32(buf);
    else if (field === 4 && wire === 0) msg.maxReportedErrors = varint32(buf);
    else if (field === 5 && wire === 2) {
      const len = varint32(buf);
      msg.rows = decodeRowBatch(buf, pos + len);
    } else if (field === 6 && wire === 2) msg.sourceLines = append(msg.sourceLines, varints(buf, varint32(buf), int64));
    else if (field === 6 && wire === 0) msg.sourceLines = append(msg.sourceLines, Float64Array.of(int64(buf)));
    else skip(buf, wire);
  }
  if (pos !== end) malformed();
  return msg;
}
