import type { CallContext } from '../context';
import { InvalidArgumentError, ResourceExhaustedError } from '../errors';
import type { ServiceRegistration } from '../handlers';

/** True for a decoded cityml.common.v1.RowBatch. */
function isRowBatch(v: unknown): v is { rowCount: number; columns: unknown[] } {
  return typeof v === 'object' && v !== null && typeof (v as { rowCount?: unknown }).rowCount === 'number' && Array.isArray((v as { columns?: unknown }).columns);
}

/** The RowBatches a request message carries (itself, or in a top-level field). */
function rowBatches(message: unknown): { rowCount: number }[] {
  if (typeof message !== 'object' || message === null) return [];
  if (isRowBatch(message)) return [message];
  return Object.values(message).filter(isRowBatch);
}

/**
 * The rows-per-request limit: a service may call this on any batch it accepts.
 * @throws ResourceExhaustedError when `rowCount` exceeds `max`.
 */
export function checkRowLimit(rowCount: number, max: number): void {
  if (max > 0 && rowCount > max) throw new ResourceExhaustedError(`a request carries ${rowCount} rows; at most ${max} rows per request are accepted`);
}

const snake = (k: string) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/**
 * Names, ids and other strings of a request (top level and one nested message deep;
 * row data excluded) may not contain NUL: Postgres text cannot hold it, so it would
 * otherwise surface as INTERNAL. INVALID_ARGUMENT naming the field.
 */
function checkStrings(message: unknown, prefix = '', depth = 0): void {
  if (typeof message !== 'object' || message === null || isRowBatch(message)) return;
  for (const [k, v] of Object.entries(message)) {
    const field = prefix + snake(k);
    const values = Array.isArray(v) ? v : [v];
    for (const x of values) {
      if (typeof x === 'string' && x.includes('\u0000')) throw InvalidArgumentError.field(field, 'must not contain NUL characters');
      if (depth === 0 && typeof x === 'object' && x !== null && !(x instanceof Uint8Array)) checkStrings(x, `${field}.`, 1);
    }
  }
}

function checkMessage(message: unknown, max: number): void {
  checkStrings(message);
  if (max > 0) for (const b of rowBatches(message)) checkRowLimit(b.rowCount, max);
}

async function* checkedStream<T>(source: AsyncIterable<T>, max: number): AsyncIterable<T> {
  for await (const m of source) {
    checkMessage(m, max);
    yield m;
  }
}

/**
 * Wraps every method of a registration so that each incoming message is checked before
 * the handler sees it: a RowBatch (directly or in a top-level field) against `maxRows`
 * (RESOURCE_EXHAUSTED; 0 = no limit), and strings for NUL characters (INVALID_ARGUMENT).
 */
export function withRequestChecks(registration: ServiceRegistration, maxRows: number): ServiceRegistration {
  const impl = registration.implementation as Record<string, ((req: unknown, ctx: CallContext) => unknown) | undefined>;
  const wrapped: Record<string, (req: unknown, ctx: CallContext) => unknown> = {};
  for (const [key, def] of Object.entries(registration.definition)) {
    const fn = impl[key];
    if (!fn) continue;
    wrapped[key] = def.requestStream
      ? (requests, ctx) => fn.call(impl, checkedStream(requests as AsyncIterable<unknown>, maxRows), ctx)
      : (request, ctx) => {
          checkMessage(request, maxRows);
          return fn.call(impl, request, ctx);
        };
  }
  return { ...registration, implementation: wrapped as ServiceRegistration['implementation'] };
}
