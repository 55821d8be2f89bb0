import { once } from 'node:events';
import { randomUUID } from 'node:crypto';
import { status, type Metadata, type ServerErrorResponse, type ServiceDefinition, type UntypedServiceImplementation } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { Authenticator, CallContext } from './context';
import { CancelledError, UnimplementedError, toServiceError } from './errors';
import type { Metrics } from './metrics';

type Req<M> = M extends { requestDeserialize: (b: Buffer) => infer R } ? R : never;
type Res<M> = M extends { responseSerialize: (v: infer R) => Buffer } ? R : never;

/** Any async handler: the form an untyped (generic) service definition accepts. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyAsyncMethod = (request: any, ctx: CallContext) => unknown;

/** The async form of one RPC: what a service library writes. */
export type AsyncMethod<M> = M extends { requestStream: infer A; responseStream: infer B }
  ? boolean extends A
    ? AnyAsyncMethod
    : boolean extends B
      ? AnyAsyncMethod
      : TypedAsyncMethod<M>
  : never;

type TypedAsyncMethod<M> = M extends { requestStream: false; responseStream: false }
  ? (request: Req<M>, ctx: CallContext) => Promise<Res<M>>
  : M extends { requestStream: true; responseStream: false }
    ? (requests: AsyncIterable<Req<M>>, ctx: CallContext) => Promise<Res<M>>
    : M extends { requestStream: false; responseStream: true }
      ? (request: Req<M>, ctx: CallContext) => AsyncIterable<Res<M>>
      : (requests: AsyncIterable<Req<M>>, ctx: CallContext) => AsyncIterable<Res<M>>;

/**
 * The async implementation of a generated service definition. Type a handler object
 * with `satisfies AsyncService<typeof XServiceService>`; every method runs through
 * {@link wrapService}, which owns errors, context and metrics.
 */
export type AsyncService<D> = { [K in keyof D]: AsyncMethod<D[K]> };

/** What a service library exports for a server to host. */
export interface ServiceRegistration<D extends ServiceDefinition = ServiceDefinition> {
  /** Fully qualified name, e.g. "cityml.ingestion.v1.IngestionService" (health and reflection). */
  fullName: string;
  definition: D;
  /** Methods left out answer UNIMPLEMENTED. */
  implementation: Partial<AsyncService<D>>;
  /** More services hosted on the same server (e.g. the Open Inference Protocol next to inference). */
  extra?: ServiceRegistration[];
  /** The service's own Prometheus metrics, served on the process's /metrics. */
  metricsRegistry?: import('prom-client').Registry;
  /** Runs when the server has drained (stop workers, close subscriptions). */
  close?: () => Promise<void>;
}

export interface WrapOptions {
  authenticate: Authenticator;
  log: Logger;
  metrics?: Metrics;
  draining: AbortSignal;
}

interface AnyCall {
  metadata: Metadata;
  getDeadline(): Date | number;
  on(event: 'cancelled', cb: () => void): unknown;
  cancelled: boolean;
}

function deadlineOf(call: AnyCall): Date | undefined {
  const d = call.getDeadline();
  const ms = d instanceof Date ? d.getTime() : d;
  return Number.isFinite(ms) ? new Date(ms) : undefined;
}

/**
 * Reads a client stream as an async iterable that throws CANCELLED if the caller broke
 * off. grpc-js ends the request stream of a cancelled call first and reports the cancel a
 * moment later, so the end is only trusted after one more turn of the event loop.
 */
async function* incoming<T>(call: AsyncIterable<T> & AnyCall): AsyncIterable<T> {
  // Not the default iterator: it destroys the stream when reading ends, which on a bidi
  // call also kills the writable side, so the status would never be sent.
  const messages = (call as unknown as { iterator?: (o: { destroyOnReturn: boolean }) => AsyncIterable<T> }).iterator?.({ destroyOnReturn: false }) ?? call;
  for await (const message of messages) {
    if (call.cancelled) break;
    yield message;
  }
  await new Promise((resolve) => setImmediate(resolve));
  if (call.cancelled) throw new CancelledError('the client cancelled the stream');
}

async function writeAll<T>(call: { write(m: T): boolean; cancelled: boolean } & NodeJS.EventEmitter, source: AsyncIterable<T>): Promise<void> {
  for await (const message of source) {
    if (call.cancelled) return;
    if (!call.write(message)) await Promise.race([once(call, 'drain'), once(call, 'cancelled')]);
  }
}

/**
 * Turns an async implementation into the grpc-js callback form. grpc-js ignores the
 * promise an async handler returns, so every rejection is caught here and mapped by
 * {@link toServiceError}; unknown errors are logged and sent as INTERNAL "internal error".
 */
export function wrapService(registration: ServiceRegistration, options: WrapOptions): UntypedServiceImplementation {
  const out: UntypedServiceImplementation = {};
  for (const [key, def] of Object.entries(registration.definition)) {
    const method = def.path;
    const impl = (registration.implementation as Record<string, (...a: unknown[]) => unknown>)[key];
    const started = async (call: AnyCall): Promise<{ ctx: CallContext; done: (code: status) => void }> => {
      const t0 = performance.now();
      const controller = new AbortController();
      call.on('cancelled', () => controller.abort(new CancelledError('cancelled')));
      const deadline = deadlineOf(call);
      const requestId = (call.metadata.get('x-request-id')[0] as string | undefined) ?? randomUUID();
      const log = options.log.child({ requestId, method });
      const principal = await options.authenticate(call.metadata, method);
      const ctx: CallContext = { principal, requestId, method, log, metadata: call.metadata, deadline, signal: controller.signal, draining: options.draining };
      return { ctx, done: (code) => options.metrics?.observeCall(method, code, (performance.now() - t0) / 1000) };
    };
    const fail = (err: unknown, log: Logger, done?: (code: status) => void): ServerErrorResponse => {
      const { error, internal } = toServiceError(err);
      if (internal) log.error({ err }, 'call failed');
      else log.debug({ code: error.code, message: error.details }, 'call rejected');
      done?.(error.code ?? status.INTERNAL);
      return error as ServerErrorResponse;
    };
    const notImplemented = () => Promise.reject(new UnimplementedError(`${method} is not implemented yet`));
    const fn = impl ? impl.bind(registration.implementation) : notImplemented;

    if (!def.requestStream && !def.responseStream) {
      out[key] = (call: AnyCall & { request: unknown }, callback: (e: ServerErrorResponse | null, r?: unknown) => void) => {
        let done: ((c: status) => void) | undefined;
        let log = options.log;
        started(call)
          .then((s) => ((done = s.done), (log = s.ctx.log), fn(call.request, s.ctx) as Promise<unknown>))
          .then((res) => (done?.(status.OK), callback(null, res)))
          .catch((err) => callback(fail(err, log, done)));
      };
    } else if (def.requestStream && !def.responseStream) {
      out[key] = (call: AnyCall & AsyncIterable<unknown>, callback: (e: ServerErrorResponse | null, r?: unknown) => void) => {
        let done: ((c: status) => void) | undefined;
        let log = options.log;
        started(call)
          .then((s) => ((done = s.done), (log = s.ctx.log), fn(incoming(call), s.ctx) as Promise<unknown>))
          .then((res) => (done?.(status.OK), callback(null, res)))
          .catch((err) => callback(fail(err, log, done)));
      };
    } else {
      out[key] = (call: AnyCall & AsyncIterable<unknown> & NodeJS.EventEmitter & { request?: unknown; write(m: unknown): boolean; end(): void; emit(e: string, v: unknown): boolean }) => {
        let done: ((c: status) => void) | undefined;
        let log = options.log;
        started(call)
          .then((s) => {
            done = s.done;
            log = s.ctx.log;
            const source = def.requestStream ? fn(incoming(call), s.ctx) : fn(call.request, s.ctx);
            return writeAll(call as never, source as AsyncIterable<unknown>);
          })
          .then(() => (done?.(status.OK), call.end()))
          .catch((err) => {
            if (call.cancelled) return done?.(status.CANCELLED);
            call.emit('error', fail(err, log, done));
          });
      };
    }
  }
  return out;
}
