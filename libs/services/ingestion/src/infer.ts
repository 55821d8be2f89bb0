import { parse } from 'csv-parse/sync';
import { common, ingestion } from '@cityml/proto';
import { InvalidArgumentError } from '@cityml/runtime';
import { parseInteger, parseNumber, parseTimestamp, TimeZone } from './rows/values';

const T = common.ColumnType;
const MAX_SAMPLE = 8 * 1024 * 1024;
const BOOLEAN_WORDS = new Set(['true', 'false', 'yes', 'no', 't', 'f']);
const UTC = new TimeZone('');

/** The type that every non-empty value of a column fits, most specific first. */
function inferType(values: string[]): common.ColumnType {
  if (!values.length) return T.COLUMN_TYPE_TEXT;
  if (values.every((v) => BOOLEAN_WORDS.has(v.trim().toLowerCase()))) return T.COLUMN_TYPE_BOOLEAN;
  if (values.every((v) => typeof parseInteger(v) === 'number')) return T.COLUMN_TYPE_INTEGER;
  if (values.every((v) => typeof parseNumber(v) === 'number')) return T.COLUMN_TYPE_NUMBER;
  if (values.every((v) => typeof parseTimestamp(v, UTC) === 'number')) return T.COLUMN_TYPE_TIMESTAMP;
  const distinct = new Set(values).size;
  const longest = Math.max(...values.map((v) => v.length));
  return longest <= 64 && distinct <= Math.max(2, values.length / 2) ? T.COLUMN_TYPE_CATEGORY : T.COLUMN_TYPE_TEXT;
}

/** Column names and string values of a sample (null = empty or missing). */
function readSample(format: ingestion.FileFormat, sample: string): { names: string[]; rows: (string | null)[][] } {
  if (format === ingestion.FileFormat.FILE_FORMAT_CSV) {
    let records: string[][];
    try {
      records = parse(sample, { relax_column_count: true, skip_empty_lines: true, bom: true });
    } catch {
      // A sample cut inside a quoted field: drop its last line and try again.
      const cut = sample.slice(0, sample.lastIndexOf('\n'));
      try {
        records = parse(cut, { relax_column_count: true, skip_empty_lines: true, bom: true });
      } catch (err) {
        throw InvalidArgumentError.field('sample', `not valid CSV: ${(err as Error).message.slice(0, 200)}`);
      }
    }
    if (!records.length) throw InvalidArgumentError.field('sample', 'has no header line');
    const names = records[0].map((n, i) => n.trim() || `column_${i + 1}`);
    return { names, rows: records.slice(1).map((r) => names.map((_, i) => (r[i] === undefined || r[i] === '' ? null : r[i]))) };
  }
  const names: string[] = [];
  const objects: Record<string, unknown>[] = [];
  sample.split('\n').forEach((line, i, all) => {
    if (!line.trim()) return;
    try {
      const o = JSON.parse(line);
      if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new Error('not an object');
      for (const k of Object.keys(o)) if (!names.includes(k)) names.push(k);
      objects.push(o);
    } catch (err) {
      if (i === all.length - 1) return; // a cut last line
      throw InvalidArgumentError.field('sample', `line ${i + 1} is not a JSON object: ${(err as Error).message.slice(0, 100)}`);
    }
  });
  const str = (v: unknown): string | null => (v === null || v === undefined ? null : typeof v === 'object' ? JSON.stringify(v) : String(v));
  return { names, rows: objects.map((o) => names.map((n) => str(o[n]))) };
}

/**
 * Infers a schema from the first lines of a CSV (header included) or JSON-lines file:
 * per column the most specific type every value fits (BOOLEAN, INTEGER, NUMBER,
 * TIMESTAMP, then CATEGORY for short repeated strings, else TEXT), nullable when a value
 * is empty or missing; the time column is the first TIMESTAMP column.
 * INVALID_ARGUMENT for an unknown format, an unparseable sample or a bad time zone.
 */
export function inferSchema(req: ingestion.InferSchemaRequest): ingestion.InferSchemaResponse {
  if (req.format !== ingestion.FileFormat.FILE_FORMAT_CSV && req.format !== ingestion.FileFormat.FILE_FORMAT_JSONL) throw InvalidArgumentError.field('format', 'must be CSV or JSONL');
  if (!req.sample) throw InvalidArgumentError.field('sample', 'is required');
  if (req.sample.length > MAX_SAMPLE) throw InvalidArgumentError.field('sample', `at most ${MAX_SAMPLE} characters`);
  if (req.timeZone && !TimeZone.isValid(req.timeZone)) throw InvalidArgumentError.field('time_zone', `unknown IANA time zone "${req.timeZone}"`);
  const { names, rows } = readSample(req.format, req.sample);
  if (!names.length) throw InvalidArgumentError.field('sample', 'has no columns');
  const columns = names.map((name, i) => {
    const values = rows.map((r) => r[i]).filter((v): v is string => v !== null);
    return { name, type: inferType(values), nullable: values.length < rows.length || rows.length === 0, description: '' };
  });
  const time = columns.find((c) => c.type === T.COLUMN_TYPE_TIMESTAMP);
  return { schema: { columns, timeColumn: time?.name ?? '', timeZone: req.timeZone }, sampledRows: rows.length };
}
