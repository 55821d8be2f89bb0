import type { Server } from 'node:http';
import { inference, oip } from '@cityml/proto';
import { DEFAULT_TENANT, UnauthenticatedError, localAuthenticator, type AsyncService, type Authenticator, type ServiceDeps, type ServiceModule, type ServiceRegistration } from '@cityml/runtime';
import { initBackend } from '@cityml/ml';
import { inferenceHandlers } from './handlers';
import { InferenceMetrics } from './metrics';
import { ModelManager } from './model-manager';
import { oipHandlers } from './oip/grpc';
import { boundPort, startHttp } from './oip/http';
import { Predictor } from './predictor';
import { preload } from './preload';
import { RegistryModelSource } from './registry-source';
import { DEFAULT_SETTINGS, type InferenceSettings } from './settings';
import init from './migrations/001_init.sql';

export { DEFAULT_SETTINGS, TAG_MAX_BATCH_SIZE, TAG_MAX_QUEUE_DELAY_MS, type InferenceSettings } from './settings';
export { InferenceMetrics } from './metrics';

/**
 * What the inference module registers: cityml.inference.v1.InferenceService, plus
 * `extra` (inference.GRPCInferenceService, the Open Inference Protocol), the OIP
 * HTTP/JSON port and the service's metrics registry.
 */
export interface InferenceRegistration extends ServiceRegistration {
  /** More services hosted on the same server (the OIP gRPC service). */
  extra: ServiceRegistration[];
  /** The bound HTTP/JSON port (useful with port 0). */
  readonly httpPort: number;
  metrics: InferenceMetrics;
  manager: ModelManager;
  predictor: Predictor;
}

const live = new Set<InferenceRegistration>();

/** The inference services running in this process (tests read the HTTP port and metrics here). */
export function inferenceInstances(): InferenceRegistration[] {
  return [...live];
}

/** Checks handlers against their service definition, then widens them for a plain registration. */
function untyped<D>(impl: Partial<AsyncService<D>>): ServiceRegistration['implementation'] {
  return impl as unknown as ServiceRegistration['implementation'];
}

const refuseHttp: Authenticator = () => {
  throw new UnauthenticatedError('the HTTP/JSON binding needs the platform authenticator when auth is on');
};

/** Service-wide settings from config (CITYML_INFERENCE_MAX_BATCH_SIZE, …_MAX_QUEUE_DELAY_MS, …_CACHE_BYTES). */
function fromConfig(config: ServiceDeps['config']): Partial<InferenceSettings> {
  return { maxBatchSize: config.inferenceMaxBatchSize, maxQueueDelayMs: config.inferenceMaxQueueDelayMs, cacheBytes: config.inferenceCacheBytes };
}

async function create(deps: ServiceDeps, overrides: Partial<InferenceSettings>): Promise<InferenceRegistration> {
  await initBackend();
  const settings: InferenceSettings = { ...DEFAULT_SETTINGS, ...fromConfig(deps.config), httpPort: deps.config.httpPort, httpHost: deps.config.host, ...overrides };
  const metrics = new InferenceMetrics();
  const manager = new ModelManager(settings, (tenant) => new RegistryModelSource(() => deps.peer('registry'), tenant), metrics, deps.log);
  const predictor = new Predictor(manager, metrics);
  let ready = deps.config.inferencePreload.length === 0;
  const authenticate = deps.authenticate ?? (deps.config.auth ? refuseHttp : localAuthenticator);
  const http: Server = await startHttp({ host: settings.httpHost, port: settings.httpPort, predictor, manager, ready: () => ready, authenticate, metrics: metrics.registry, log: deps.log });
  if (!ready) {
    void preload(manager, DEFAULT_TENANT, deps.config.inferencePreload, settings.loadTimeoutMs, deps.log).finally(() => (ready = true));
  }
  const registration: InferenceRegistration = {
    fullName: 'cityml.inference.v1.InferenceService',
    definition: inference.InferenceServiceService,
    implementation: untyped<typeof inference.InferenceServiceService>(inferenceHandlers(predictor, manager)),
    extra: [
      {
        fullName: 'inference.GRPCInferenceService',
        definition: oip.GRPCInferenceServiceService,
        implementation: untyped<typeof oip.GRPCInferenceServiceService>(oipHandlers(predictor, manager, () => ready)),
      },
    ],
    httpPort: boundPort(http),
    metrics,
    metricsRegistry: metrics.registry,
    manager,
    predictor,
    async close() {
      live.delete(registration);
      await new Promise<void>((resolve) => http.close(() => resolve()));
      http.closeAllConnections?.();
      await manager.close();
    },
  };
  live.add(registration);
  return registration;
}

/** An inference module with its own settings (batching defaults, cache budget...). */
export function createInferenceModule(overrides: Partial<InferenceSettings> = {}): ServiceModule {
  return {
    name: 'inference',
    migrations: [{ schema: 'inference', migrations: [{ name: '001_init', sql: init }] }],
    create: (deps) => create(deps, overrides),
  };
}

/**
 * The inference service: low-latency Predict / PredictStream with dynamic batching, hot
 * alias swaps from the registry's WatchModels, and the Open Inference Protocol over gRPC
 * and HTTP/JSON.
 */
export const inferenceModule: ServiceModule = createInferenceModule();
