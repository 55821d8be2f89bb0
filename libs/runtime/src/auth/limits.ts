import type { CallContext } from '../context';
import { ResourceExhaustedError } from '../errors';
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

function checkMessage(message: unknown, max: number): void {
  for (const b of rowBatches(message)) checkRowLimit(b.rowCount, max);
}

async function* checkedStream<T>(source: AsyncIterable<T>, max: number): AsyncIterable<T> {
  for await (const m of source) {
    checkMessage(m, max);
    yield m;
  }
}

/**
 * Wraps every method of a registration so that each incoming message carrying a
 * RowBatch (directly or in a top-level field) is checked against `maxRows` before the
 * handler sees it (RESOURCE_EXHAUSTED). `maxRows` 0 returns the registration unchanged.
 */
export function withRowLimit(registration: ServiceRegistration, maxRows: number): ServiceRegistration {
  if (!(maxRows > 0)) return registration;
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
