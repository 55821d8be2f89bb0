import { z } from 'zod';

/** The five CityML services; a process hosts any subset of them. */
export const SERVICE_NAMES = ['ingestion', 'preprocessing', 'training', 'registry', 'inference'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

const port = z.coerce.number().int().min(0).max(65535);
const onOff = z.enum(['on', 'off']).transform((v) => v === 'on');
const positiveInt = z.coerce.number().int().positive();
const optionalPath = z.string().min(1).optional();
const address = z.string().min(1).optional();

const services = z
  .string()
  .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean))
  .pipe(z.array(z.enum(SERVICE_NAMES)).min(1))
  .or(z.literal('all').transform(() => [...SERVICE_NAMES]));

/**
 * Every environment variable CityML reads, with its validation and default. Deployment
 * manifests are checked against these names ({@link CONFIG_VARIABLES}).
 */
const schema = z.object({
  CITYML_SERVICES: services.default([...SERVICE_NAMES]),
  CITYML_HOST: z.string().min(1).default('0.0.0.0'),
  CITYML_PORT: port.default(50051),
  // Plaintext grpc.health.v1 port for probes when TLS is on (0 = none).
  CITYML_HEALTH_PORT: port.default(0),
  // Prometheus /metrics over HTTP (0 picks a free port).
  CITYML_METRICS_PORT: port.default(9464),
  CITYML_HTTP_PORT: port.default(8000),
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL').optional(),
  CITYML_DATA_DIR: z.string().min(1).default('.cityml'),
  CITYML_LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  CITYML_SHUTDOWN_TIMEOUT_MS: positiveInt.default(25_000),
  CITYML_MAX_MESSAGE_BYTES: positiveInt.default(16 * 1024 * 1024),
  CITYML_MAX_CONNECTION_AGE_MS: positiveInt.default(300_000),
  CITYML_KEEPALIVE_MS: positiveInt.default(30_000),
  CITYML_REFLECTION: onOff.default(true),
  CITYML_MIGRATE: onOff.default(true),
  // API keys on every call; `off` only for local experiments (`cityml up --insecure`).
  CITYML_AUTH: onOff.default(true),
  CITYML_TLS_CERT_FILE: optionalPath,
  CITYML_TLS_KEY_FILE: optionalPath,
  CITYML_TLS_CA_FILE: optionalPath,
  CITYML_TLS_CLIENT_AUTH: z.enum(['none', 'require']).default('none'),
  CITYML_SERVICE_KEY: z.string().min(32, 'must be at least 32 characters').optional(),
  CITYML_MAX_ROWS_PER_REQUEST: z.coerce.number().int().min(0).default(500_000),
  CITYML_MAX_CONCURRENT_STREAMS: positiveInt.default(100),
  CITYML_RATE_LIMIT_RPS: z.coerce.number().min(0).default(500),
  CITYML_RATE_LIMIT_BURST: positiveInt.default(1000),
  CITYML_INGESTION_ADDRESS: address,
  CITYML_PREPROCESSING_ADDRESS: address,
  CITYML_TRAINING_ADDRESS: address,
  CITYML_REGISTRY_ADDRESS: address,
  CITYML_INFERENCE_ADDRESS: address,
  CITYML_TRAINING_CONCURRENCY: positiveInt.default(1),
  // Training queue: a worker's lease, its heartbeat, the fallback poll, and attempts per job.
  CITYML_TRAINING_LEASE_MS: positiveInt.default(10_000),
  CITYML_TRAINING_HEARTBEAT_MS: positiveInt.default(2_000),
  CITYML_TRAINING_POLL_MS: positiveInt.default(5_000),
  CITYML_TRAINING_MAX_ATTEMPTS: positiveInt.default(3),
  // Dynamic batching defaults (a version's tags can override them) and the model cache budget.
  CITYML_INFERENCE_MAX_BATCH_SIZE: positiveInt.default(512),
  CITYML_INFERENCE_MAX_QUEUE_DELAY_MS: z.coerce.number().min(0).default(1),
  CITYML_INFERENCE_CACHE_BYTES: positiveInt.default(512 * 1024 * 1024),
  CITYML_INFERENCE_PRELOAD: z
    .string()
    .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean))
    .default([]),
});

/** Names of every environment variable that {@link loadConfig} reads. */
export const CONFIG_VARIABLES: readonly string[] = Object.freeze(Object.keys(schema.shape));

type Raw = z.infer<typeof schema>;

/** Typed, validated configuration of one CityML process. */
export interface Config {
  services: ServiceName[];
  host: string;
  port: number;
  healthPort: number;
  metricsPort: number;
  httpPort: number;
  databaseUrl?: string;
  dataDir: string;
  logLevel: Raw['CITYML_LOG_LEVEL'];
  shutdownTimeoutMs: number;
  maxMessageBytes: number;
  maxConnectionAgeMs: number;
  keepaliveMs: number;
  reflection: boolean;
  migrate: boolean;
  auth: boolean;
  tls?: { certFile: string; keyFile: string; caFile?: string; clientAuth: boolean };
  serviceKey?: string;
  /** Most rows a request may carry in its RowBatches (0: no limit). */
  maxRowsPerRequest: number;
  /** HTTP/2 concurrent streams per connection. */
  maxConcurrentStreams: number;
  /** Per-key token bucket: calls per second (0: off) and burst. */
  rateLimit: { ratePerSecond: number; burst: number };
  /** gRPC targets of the other services; undefined means "this process". */
  addresses: Partial<Record<ServiceName, string>>;
  trainingConcurrency: number;
  trainingLeaseMs: number;
  trainingHeartbeatMs: number;
  trainingPollMs: number;
  trainingMaxAttempts: number;
  inferencePreload: string[];
  inferenceMaxBatchSize: number;
  inferenceMaxQueueDelayMs: number;
  inferenceCacheBytes: number;
}

/** A configuration problem; the message names the variable. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/**
 * Reads and validates the configuration from an environment (pure: pass `process.env`
 * from main only). Throws {@link ConfigError} naming the first bad variable.
 */
export function loadConfig(env: Record<string, string | undefined>, overrides: Partial<Config> = {}): Config {
  const input: Record<string, string> = {};
  for (const name of CONFIG_VARIABLES) {
    const v = env[name];
    if (v !== undefined && v !== '') input[name] = v;
  }
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = String(issue.path[0] ?? 'environment');
    throw new ConfigError(`invalid ${name}=${JSON.stringify(input[name] ?? '')}: ${issue.message}`);
  }
  const c = parsed.data;
  if ((c.CITYML_TLS_CERT_FILE === undefined) !== (c.CITYML_TLS_KEY_FILE === undefined)) {
    throw new ConfigError('CITYML_TLS_CERT_FILE and CITYML_TLS_KEY_FILE must be set together');
  }
  if (c.CITYML_TLS_CLIENT_AUTH === 'require' && !c.CITYML_TLS_CA_FILE) {
    throw new ConfigError('CITYML_TLS_CLIENT_AUTH=require needs CITYML_TLS_CA_FILE');
  }
  return {
    services: c.CITYML_SERVICES,
    host: c.CITYML_HOST,
    port: c.CITYML_PORT,
    healthPort: c.CITYML_HEALTH_PORT,
    metricsPort: c.CITYML_METRICS_PORT,
    httpPort: c.CITYML_HTTP_PORT,
    databaseUrl: c.DATABASE_URL,
    dataDir: c.CITYML_DATA_DIR,
    logLevel: c.CITYML_LOG_LEVEL,
    shutdownTimeoutMs: c.CITYML_SHUTDOWN_TIMEOUT_MS,
    maxMessageBytes: c.CITYML_MAX_MESSAGE_BYTES,
    maxConnectionAgeMs: c.CITYML_MAX_CONNECTION_AGE_MS,
    keepaliveMs: c.CITYML_KEEPALIVE_MS,
    reflection: c.CITYML_REFLECTION,
    migrate: c.CITYML_MIGRATE,
    auth: c.CITYML_AUTH,
    tls: c.CITYML_TLS_CERT_FILE
      ? {
          certFile: c.CITYML_TLS_CERT_FILE,
          keyFile: c.CITYML_TLS_KEY_FILE!,
          caFile: c.CITYML_TLS_CA_FILE,
          clientAuth: c.CITYML_TLS_CLIENT_AUTH === 'require',
        }
      : undefined,
    serviceKey: c.CITYML_SERVICE_KEY,
    maxRowsPerRequest: c.CITYML_MAX_ROWS_PER_REQUEST,
    maxConcurrentStreams: c.CITYML_MAX_CONCURRENT_STREAMS,
    rateLimit: { ratePerSecond: c.CITYML_RATE_LIMIT_RPS, burst: c.CITYML_RATE_LIMIT_BURST },
    addresses: {
      ingestion: c.CITYML_INGESTION_ADDRESS,
      preprocessing: c.CITYML_PREPROCESSING_ADDRESS,
      training: c.CITYML_TRAINING_ADDRESS,
      registry: c.CITYML_REGISTRY_ADDRESS,
      inference: c.CITYML_INFERENCE_ADDRESS,
    },
    trainingConcurrency: c.CITYML_TRAINING_CONCURRENCY,
    trainingLeaseMs: c.CITYML_TRAINING_LEASE_MS,
    trainingHeartbeatMs: c.CITYML_TRAINING_HEARTBEAT_MS,
    trainingPollMs: c.CITYML_TRAINING_POLL_MS,
    trainingMaxAttempts: c.CITYML_TRAINING_MAX_ATTEMPTS,
    inferencePreload: c.CITYML_INFERENCE_PRELOAD,
    inferenceMaxBatchSize: c.CITYML_INFERENCE_MAX_BATCH_SIZE,
    inferenceMaxQueueDelayMs: c.CITYML_INFERENCE_MAX_QUEUE_DELAY_MS,
    inferenceCacheBytes: c.CITYML_INFERENCE_CACHE_BYTES,
    ...overrides,
  };
}
