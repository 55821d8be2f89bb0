import { AdminClient } from './admin';
import { createClient, type ConnectionOptions } from './core';
import { grpc as health } from './health';
import { IngestionClient } from './ingestion';
import { InferenceClient } from './inference';
import { PreprocessingClient } from './preprocessing';
import { RegistryClient } from './registry';
import { TrainingClient } from './training';
import { installHelpers } from './helpers/methods';

/**
 * One client for every CityML service. Service clients are created on first use and
 * share this object's connection options.
 */
export class CityML {
  readonly options: ConnectionOptions;
  private readonly clients = new Map<string, unknown>();

  constructor(options: ConnectionOptions) {
    this.options = options;
  }

  /** A generated grpc-js client of `Ctor`, made once. */
  client<C extends { close(): void }>(key: string, make: (o: ConnectionOptions) => C): C {
    let c = this.clients.get(key) as C | undefined;
    if (!c) {
      c = make(this.options);
      this.clients.set(key, c);
    }
    return c;
  }

  /** The ingestion service: datasets, ingest, reads, statistics. */
  get ingestion(): IngestionClient {
    return this.client('ingestion', (o) => new IngestionClient(o));
  }
  /** The preprocessing service: feature specs and feature sets. */
  get preprocessing(): PreprocessingClient {
    return this.client('preprocessing', (o) => new PreprocessingClient(o));
  }
  /** The training service: jobs. */
  get training(): TrainingClient {
    return this.client('training', (o) => new TrainingClient(o));
  }
  /** The model registry: models, versions, aliases, artifacts, events. */
  get registry(): RegistryClient {
    return this.client('registry', (o) => new RegistryClient(o));
  }
  /** The inference service: predictions. */
  get inference(): InferenceClient {
    return this.client('inference', (o) => new InferenceClient(o));
  }

  /** The admin service: tenants and API keys. */
  get admin(): AdminClient {
    return this.client('admin', (o) => new AdminClient(o));
  }

  /** grpc.health.v1 status of a service ('' = the whole server). */
  health(service = ''): Promise<string> {
    return health.check(this.client('health', (o) => createClient(health.HealthClient, o)), service, this.options);
  }

  /** Closes every channel. */
  close(): void {
    for (const c of this.clients.values()) (c as { close(): void }).close();
    this.clients.clear();
  }
}

// The helper methods (ingestCsv, ingestRows, waitForFeatureSet, trainAndWait, predict): see ./helpers.
installHelpers(CityML);
