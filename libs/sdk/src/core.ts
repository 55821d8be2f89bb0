import { readFileSync } from 'node:fs';
import {
  credentials as grpcCredentials,
  InterceptingCall,
  Metadata,
  status,
  type CallOptions,
  type ChannelCredentials,
  type Client,
  type ClientOptions,
  type Interceptor,
  type ServiceError,
} from '@grpc/grpc-js';

/** How to reach a CityML server. */
export interface ConnectionOptions {
  /** host:port or a `dns:///name:port` target (round_robin over every address). */
  address: string;
  /** Sent as `authorization: Bearer <key>` on every call. */
  apiKey?: string;
  /** TLS: true for the system roots, or files for a private CA and a client certificate (mTLS). */
  tls?: boolean | { caFile?: string; certFile?: string; keyFile?: string; serverName?: string };
  /** Default deadline of unary calls, in milliseconds (default 30 s). Streams have none. */
  deadlineMs?: number;
  /**
   * Platform services only: the tenant this call acts for, as recorded on the resource
   * being worked on (sent as `x-cityml-tenant`; honoured only for a service identity).
   */
  actForTenant?: string;
  /** Maximum message size in bytes (default 64 MiB). */
  maxMessageBytes?: number;
}

/** Detail of a failed call: which field, row or column was wrong, and why. */
export interface ErrorDetail {
  field?: string;
  row?: number;
  line?: number;
  column?: string;
  reason: string;
}

/** A failed call, with its gRPC status code and the server's details. */
export class CityMLClientError extends Error {
  readonly code: status;
  readonly details: ErrorDetail[];
  readonly metadata?: Metadata;
  constructor(code: status, message: string, details: ErrorDetail[] = [], metadata?: Metadata) {
    super(message);
    this.name = 'CityMLClientError';
    this.code = code;
    this.details = details;
    this.metadata = metadata;
  }
  /** The status code's name, e.g. "NOT_FOUND". */
  get codeName(): string {
    return status[this.code] ?? String(this.code);
  }
}

/** Converts a grpc-js ServiceError into a {@link CityMLClientError}. */
export function toClientError(err: unknown): Error {
  if (err instanceof CityMLClientError) return err;
  const e = err as Partial<ServiceError>;
  if (typeof e?.code !== 'number') return err as Error;
  let details: ErrorDetail[] = [];
  const raw = e.metadata?.get('cityml-error-details-bin')[0];
  if (raw) {
    try {
      details = JSON.parse(Buffer.from(raw as Buffer).toString('utf8'));
    } catch {
      details = [];
    }
  }
  return new CityMLClientError(e.code, e.details || e.message || status[e.code], details, e.metadata);
}

function channelCredentials(tls: ConnectionOptions['tls']): ChannelCredentials {
  if (!tls) return grpcCredentials.createInsecure();
  if (tls === true) return grpcCredentials.createSsl();
  const read = (f?: string) => (f ? readFileSync(f) : null);
  return grpcCredentials.createSsl(read(tls.caFile), read(tls.keyFile), read(tls.certFile));
}

/** Retries on UNAVAILABLE for idempotent methods (Get*, List*, Read*, Watch*, Infer*). */
function serviceConfig(serviceName: string, methods: string[]): string {
  const idempotent = methods.filter((m) => /^(Get|List|Read|Watch|Compare|Preview|Search|Download|Server|Model|Predict)/.test(m));
  return JSON.stringify({
    loadBalancingConfig: [{ round_robin: {} }],
    methodConfig: [
      {
        name: idempotent.map((method) => ({ service: serviceName, method })),
        retryPolicy: { maxAttempts: 4, initialBackoff: '0.1s', maxBackoff: '2s', backoffMultiplier: 2, retryableStatusCodes: ['UNAVAILABLE'] },
      },
    ],
  });
}

function authInterceptor(apiKey: string | undefined, tenant: string | undefined): Interceptor {
  return (options, nextCall) =>
    new InterceptingCall(nextCall(options), {
      start(metadata, listener, next) {
        if (apiKey) metadata.set('authorization', `Bearer ${apiKey}`);
        if (tenant) metadata.set('x-cityml-tenant', tenant);
        next(metadata, listener);
      },
    });
}

type ClientCtor<C> = new (address: string, credentials: ChannelCredentials, options?: Partial<ClientOptions>) => C;

/**
 * Builds a generated grpc-js client for one service with CityML's defaults: credentials,
 * the API key interceptor, round_robin load balancing and retries on UNAVAILABLE.
 */
export function createClient<C extends Client>(Ctor: ClientCtor<C> & { service: Record<string, { path: string }> }, options: ConnectionOptions): C {
  const first = Object.values(Ctor.service)[0].path; // "/pkg.Service/Method"
  const serviceName = first.split('/')[1];
  const methods = Object.values(Ctor.service).map((d) => d.path.split('/')[2]);
  const max = options.maxMessageBytes ?? 64 * 1024 * 1024;
  const clientOptions: Partial<ClientOptions> = {
    'grpc.service_config': serviceConfig(serviceName, methods),
    'grpc.enable_retries': 1,
    'grpc.max_receive_message_length': max,
    'grpc.max_send_message_length': max,
    'grpc.keepalive_time_ms': 60_000,
    interceptors: options.apiKey || options.actForTenant ? [authInterceptor(options.apiKey, options.actForTenant)] : [],
  };
  if (typeof options.tls === 'object' && options.tls.serverName) clientOptions['grpc.ssl_target_name_override'] = options.tls.serverName;
  return new Ctor(options.address, channelCredentials(options.tls), clientOptions);
}

/** Call options with the default deadline. */
export function callOptions(options: ConnectionOptions, deadlineMs?: number): Partial<CallOptions> {
  const ms = deadlineMs ?? options.deadlineMs ?? 30_000;
  return { deadline: new Date(Date.now() + ms) };
}

type UnaryFn<Req, Res> = (req: Req, metadata: Metadata, options: Partial<CallOptions>, cb: (err: ServiceError | null, res: Res) => void) => unknown;

/** Promise form of a unary call; rejects with {@link CityMLClientError}. */
export function unary<Req, Res>(fn: UnaryFn<Req, Res>, req: Req, options: Partial<CallOptions>): Promise<Res> {
  return new Promise((resolve, reject) => {
    fn(req, new Metadata(), options, (err, res) => (err ? reject(toClientError(err)) : resolve(res)));
  });
}

/** Async-iterable form of a server stream; errors are {@link CityMLClientError}s. */
export async function* serverStream<Res>(stream: AsyncIterable<Res> & { cancel(): void }): AsyncIterable<Res> {
  try {
    for await (const message of stream) yield message;
  } catch (err) {
    throw toClientError(err);
  } finally {
    stream.cancel();
  }
}

/** Client stream: writes every message of `source` (with backpressure), resolves with the response. */
export function clientStream<Req, Res>(
  open: (cb: (err: ServiceError | null, res: Res) => void) => { write(m: Req): boolean; end(): void; once(e: 'drain', cb: () => void): unknown; cancel(): void },
  source: AsyncIterable<Req> | Iterable<Req>,
): Promise<Res> {
  return new Promise((resolve, reject) => {
    let failed = false;
    const call = open((err, res) => (err ? reject(toClientError(err)) : resolve(res)));
    (async () => {
      for await (const message of source) {
        if (failed) return;
        if (!call.write(message)) await new Promise<void>((r) => call.once('drain', r));
      }
      call.end();
    })().catch((err) => {
      failed = true;
      call.cancel();
      reject(err);
    });
  });
}
