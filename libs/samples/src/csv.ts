/** Quotes one CSV field per RFC 4180 when it needs it. */
function field(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Renders rows of plain objects as CSV lines (header first), lazily. */
export function* toCsv<T extends object>(rows: Iterable<T>): Generator<string> {
  let columns: string[] | undefined;
  for (const row of rows) {
    if (!columns) {
      columns = Object.keys(row);
      yield columns.join(',') + '\n';
    }
    yield columns.map((c) => field((row as Record<string, unknown>)[c])).join(',') + '\n';
  }
}
