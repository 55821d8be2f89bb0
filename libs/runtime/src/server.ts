import { readFileSync } from 'node:fs';
import type { Server as HttpServer, AddressInfo } from 'node:net';
import { Server, ServerCredentials, setLogger } from '@grpc/grpc-js';
import { loadFileDescriptorSetFromBuffer } from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { HealthImplementation } from 'grpc-health-check';
import type { Logger } from 'pino';
import type { Config } from './config';
import { withRequestChecks } from './auth/limits';
import { guardCalls, RateLimiter } from './auth/rate-limit';
import { localAuthenticator, type Authenticator } from './context';
import { wrapService, type ServiceRegistration } from './handlers';
import { Metrics } from './metrics';

/** A server that is listening. */
export interface RunningServer {
  /** The bound gRPC port (useful with port 0). */
  port: number;
  healthPort?: number;
  metricsPort?: number;
  metrics: Metrics;
  health: HealthImplementation;
  /** Drains and stops: health NOT_SERVING, in-flight calls finish, forced stop after the deadline. */
  shutdown(reason?: string): Promise<void>;
}

export interface ServerOptions {
  config: Pick<Config, 'host' | 'port' | 'healthPort' | 'metricsPort' | 'maxMessageBytes' | 'maxConnectionAgeMs' | 'keepaliveMs' | 'reflection' | 'shutdownTimeoutMs' | 'tls'> &
    Partial<Pick<Config, 'maxRowsPerRequest' | 'maxConcurrentStreams' | 'rateLimit'>>;
  log: Logger;
  services: ServiceRegistration[];
  /**
   * Resolves each call's principal (default: everything runs as the local admin). Every
   * call is then checked against the role table (PERMISSION_DENIED) and, when an
   * authenticator is given, the per-key rate limit (RESOURCE_EXHAUSTED), before its handler runs.
   */
  authenticate?: Authenticator;
  /** The per-key buckets (default: made from `config.rateLimit` when `authenticate` is given); share one with other bindings. */
  rateLimiter?: RateLimiter;
  /** Proto descriptor set (base64) for reflection. */
  descriptorSetBase64?: string;
  /** Extra things to close after the gRPC server has drained (db pools, HTTP servers). */
  onClosed?: () => Promise<void>;
}

/** A port could not be bound; the message names it. */
export class BindError extends Error {}

function bind(server: Server, address: string, creds: ServerCredentials): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(address, creds, (err, port) => {
      if (err) {
        const inUse = /EADDRINUSE|address already in use|No address added/i.test(err.message);
        reject(new BindError(inUse ? `cannot listen on ${address}: address already in use` : `cannot listen on ${address}: ${err.message}`));
      } else resolve(port);
    });
  });
}

function credentials(tls: ServerOptions['config']['tls']): ServerCredentials {
  if (!tls) return ServerCredentials.createInsecure();
  const ca = tls.caFile ? readFileSync(tls.caFile) : null;
  return ServerCredentials.createSsl(ca, [{ cert_chain: readFileSync(tls.certFile), private_key: readFileSync(tls.keyFile) }], tls.clientAuth);
}

/**
 * The bootstrap every service uses: hosts the given services with grpc.health.v1 (a
 * status per service), server reflection, Prometheus metrics, message-size limits,
 * keepalive and a maximum connection age, and drains on {@link RunningServer.shutdown}.
 */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const { config, log } = options;
  // grpc-js writes its own diagnostics to stderr; keep them in our logs at debug level.
  const grpcLog = (...args: unknown[]) => log.debug({ grpc: args.map(String).join(' ') });
  setLogger({ error: grpcLog, info: grpcLog, debug: grpcLog } as unknown as Console);
  const draining = new AbortController();
  const metrics = new Metrics();
  const grpcOptions = {
    'grpc.max_receive_message_length': config.maxMessageBytes,
    'grpc.max_send_message_length': config.maxMessageBytes,
    'grpc.max_connection_age_ms': config.maxConnectionAgeMs,
    'grpc.max_connection_age_grace_ms': config.shutdownTimeoutMs,
    'grpc.keepalive_time_ms': config.keepaliveMs,
    'grpc.keepalive_timeout_ms': 20_000,
    'grpc.keepalive_permit_without_calls': 1,
    'grpc.http2.min_ping_interval_without_data_ms': 5_000,
    ...(config.maxConcurrentStreams ? { 'grpc.max_concurrent_streams': config.maxConcurrentStreams } : {}),
  };
  if (config.tls?.clientAuth && !config.healthPort) log.warn('mutual TLS is on but CITYML_HEALTH_PORT is not set: plaintext gRPC health probes have no port');
  const server = new Server(grpcOptions);
  const statusMap = Object.fromEntries([['', 'SERVING'], ...options.services.map((s) => [s.fullName, 'SERVING'])]);
  const health = new HealthImplementation(statusMap);
  health.addToServer(server);
  const limiter = options.rateLimiter ?? (options.authenticate && config.rateLimit ? new RateLimiter(config.rateLimit) : undefined);
  const guarded = guardCalls(options.authenticate ?? localAuthenticator, limiter);
  for (const s of options.services) {
    if (s.metricsRegistry) metrics.include(s.metricsRegistry);
    server.addService(s.definition, wrapService(withRequestChecks(s, config.maxRowsPerRequest ?? 0), { authenticate: guarded, log, metrics, draining: draining.signal }));
  }
  if (config.reflection && options.descriptorSetBase64) {
    const pkg = loadFileDescriptorSetFromBuffer(Buffer.from(options.descriptorSetBase64, 'base64'));
    new ReflectionService(pkg, { services: options.services.map((s) => s.fullName) }).addToServer(server);
  }

  let healthServer: Server | undefined;
  let metricsServer: HttpServer | undefined;
  const closeAll = async () => {
    metricsServer?.close();
    healthServer?.forceShutdown();
  };
  let port: number;
  let healthPort: number | undefined;
  try {
    port = await bind(server, `${config.host}:${config.port}`, credentials(config.tls));
    if (config.healthPort) {
      healthServer = new Server();
      health.addToServer(healthServer);
      healthPort = await bind(healthServer, `${config.host}:${config.healthPort}`, ServerCredentials.createInsecure());
    }
    metricsServer = await metrics.serve(config.host, config.metricsPort).catch((e: Error) => {
      throw new BindError(`cannot listen on ${config.host}:${config.metricsPort} (metrics): ${/EADDRINUSE/.test(e.message) ? 'address already in use' : e.message}`);
    });
  } catch (err) {
    server.forceShutdown();
    await closeAll();
    throw err;
  }

  let stopping: Promise<void> | undefined;
  const shutdown = (reason = 'shutdown') =>
    (stopping ??= (async () => {
      log.info({ reason }, 'draining');
      for (const name of Object.keys(statusMap)) health.setStatus(name, 'NOT_SERVING');
      draining.abort();
      const forced = setTimeout(() => {
        log.warn('drain deadline passed; forcing shutdown');
        server.forceShutdown();
      }, config.shutdownTimeoutMs);
      await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
      clearTimeout(forced);
      for (const s of options.services) await s.close?.().catch((err) => log.error({ err }, 'service close failed'));
      await closeAll();
      await options.onClosed?.();
      log.info('stopped');
    })());

  return {
    port,
    healthPort,
    metricsPort: metricsServer ? (metricsServer.address() as AddressInfo).port : undefined,
    metrics,
    health,
    shutdown,
  };
}
