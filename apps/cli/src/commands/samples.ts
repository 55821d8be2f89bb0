import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { Argument, Option, type Command } from 'commander';
import { airQualityRows, serviceRequestRows, toCsv, trafficRows } from '@cityml/samples';
import { fail, print, UsageError } from '../output';

interface SamplesFlags {
  out?: string;
  sensors?: string;
  stations?: string;
  days?: string;
  count?: string;
  seed?: string;
  start?: string;
  last?: string;
  format: string;
  json?: boolean;
}

/** A positive whole number flag, or a usage error naming it. */
export function positiveInt(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new UsageError(`--${name} must be a positive whole number, got "${value}"`);
  return n;
}

/** The rows of one sample kind for the flags (deterministic for a seed). */
function rowsOf(kind: string, f: SamplesFlags): Iterable<object> {
  const seed = positiveInt('seed', f.seed);
  const days = positiveInt('days', f.days);
  const start = f.start;
  if (start !== undefined && Number.isNaN(Date.parse(start))) throw new UsageError(`--start must be an ISO 8601 instant, got "${start}"`);
  switch (kind) {
    case 'traffic':
      return trafficRows({ sensors: positiveInt('sensors', f.sensors), days, seed, start });
    case 'air':
      return airQualityRows({ stations: positiveInt('stations', f.stations), days, seed, start });
    case '311':
      return serviceRequestRows({ count: positiveInt('count', f.count), seed, start });
    default:
      throw new UsageError(`unknown sample "${kind}" (expected traffic, air or 311)`);
  }
}

/** Only the rows of the last `hours` hours of the generated window (by their `ts`). */
function* lastHours(rows: Iterable<object>, hours: number | undefined): Generator<object> {
  if (!hours) return yield* rows;
  const all = [...rows] as { ts: string }[];
  const end = Math.max(...all.map((r) => Date.parse(r.ts)));
  yield* all.filter((r) => Date.parse(r.ts) > end - hours * 3600_000);
}

/** JSON lines: one object per row. */
function* toJsonl(rows: Iterable<object>): Generator<string> {
  for (const r of rows) yield JSON.stringify(r) + '\n';
}

/** Writes CSV (header first) or JSON lines to `out` (a file) or stdout, with backpressure. */
async function writeRows(rows: Iterable<object>, format: string, out: string | undefined): Promise<{ rows: number; columns: string[] }> {
  const stream = out ? createWriteStream(out) : process.stdout;
  const csv = format === 'csv';
  let count = csv ? -1 : 0;
  let columns: string[] = [];
  for (const line of csv ? toCsv(rows) : toJsonl(rows)) {
    if (csv ? count < 0 : count === 0) columns = csv ? line.trim().split(',') : Object.keys(JSON.parse(line));
    count++;
    if (!stream.write(line)) await once(stream, 'drain');
  }
  if (out) {
    stream.end();
    await once(stream, 'finish');
  }
  return { rows: Math.max(0, count), columns };
}

/**
 * `cityml samples traffic|air|311 [--out FILE] [--format csv|jsonl] [--last HOURS]`:
 * deterministic synthetic city data (the same flags always give the same file).
 */
export function registerSamples(program: Command): void {
  program
    .command('samples')
    .description('write deterministic synthetic city data as CSV or JSON lines: traffic counts, air quality or 311 requests')
    .addArgument(new Argument('<kind>', 'which data').choices(['traffic', 'air', '311']))
    .option('--out <file>', 'file to write (default: standard output)')
    .option('--sensors <n>', 'traffic: sensors (default 20)')
    .option('--stations <n>', 'air: stations (default 6)')
    .option('--days <n>', 'traffic and air: days of hourly readings (default 90 for traffic, 30 for air)')
    .option('--count <n>', '311: requests (default 2000)')
    .option('--seed <n>', 'random seed (default per kind)')
    .addOption(new Option('--start <iso>', 'first hour, ISO 8601 (default 2026-01-05T05:00:00Z)'))
    .option('--last <hours>', 'only the readings of the last N hours of the window (e.g. the history a forecast needs)')
    .addOption(new Option('--format <format>', 'output format').choices(['csv', 'jsonl']).default('csv'))
    .option('--json', 'print a JSON summary (with --out)')
    .addHelpText('after', '\nExamples:\n  npx cityml samples traffic --out traffic.csv --sensors 5 --days 30\n  npx cityml samples 311 --count 500 > requests.csv\n  npx cityml samples traffic --sensors 5 --days 30 --last 48 --format jsonl --out recent.jsonl\n')
    .action(async (kind: string, flags: SamplesFlags) => {
      try {
        const rows = lastHours(rowsOf(kind, flags), positiveInt('last', flags.last));
        const t0 = Date.now();
        const written = await writeRows(rows, flags.format, flags.out);
        if (flags.out) {
          print({ kind, file: flags.out, format: flags.format, rows: written.rows, columns: written.columns, ms: Date.now() - t0 }, flags, (v) => `wrote ${v.rows} ${kind} rows (${v.columns.join(', ')}) to ${v.file}`);
        }
      } catch (err) {
        fail(err);
      }
    });
}
