import { CityMLClientError } from '@cityml/sdk';

/** Exit codes of every command. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

/** Global output options every command accepts. */
export interface OutputOptions {
  json?: boolean;
}

/** Prints `value` as JSON (for scripts) or through `human` (for people). */
export function print<T>(value: T, options: OutputOptions, human: (v: T) => string): void {
  process.stdout.write(options.json ? JSON.stringify(value, null, 2) + '\n' : human(value) + '\n');
}

/** A plain aligned table. */
export function table(rows: Record<string, unknown>[], columns?: string[]): string {
  if (!rows.length) return '(none)';
  const cols = columns ?? Object.keys(rows[0]);
  const cell = (v: unknown) => (v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (vals: string[]) => vals.map((v, i) => v.padEnd(widths[i])).join('  ').trimEnd();
  return [line(cols.map((c) => c.toUpperCase())), ...rows.map((r) => line(cols.map((c) => cell(r[c]))))].join('\n');
}

/** Reports a failed command on stderr and exits 1 (2 for usage errors). */
export function fail(err: unknown): never {
  if (err instanceof CityMLClientError) {
    process.stderr.write(`error: ${err.codeName}: ${err.message}\n`);
    for (const d of err.details.slice(0, 20)) {
      const where = [d.field && `field ${d.field}`, d.row && `row ${d.row}`, d.line && `line ${d.line}`, d.column && `column ${d.column}`].filter(Boolean).join(', ');
      process.stderr.write(`  ${where ? where + ': ' : ''}${d.reason}\n`);
    }
  } else if (err instanceof UsageError) {
    process.stderr.write(`error: ${err.message}\n`);
    process.exit(EXIT.usage);
  } else {
    process.stderr.write(`error: ${(err as Error)?.message ?? String(err)}\n`);
  }
  process.exit(EXIT.failure);
}

/** A wrong invocation (exit code 2). */
export class UsageError extends Error {}
