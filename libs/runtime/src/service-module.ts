import type { ArtifactStore, Db, SchemaMigrations } from '@cityml/db';
import type { Logger } from 'pino';
import type { Config, ServiceName } from './config';
import type { Authenticator } from './context';
import type { ServiceRegistration } from './handlers';

/** How a service reaches another one (address and credentials for the SDK). */
export interface PeerConnection {
  address: string;
  apiKey?: string;
  tls?: { caFile?: string; certFile?: string; keyFile?: string; serverName?: string };
}

/** What a service factory is given by the process that hosts it. */
export interface ServiceDeps {
  config: Config;
  db: Db;
  log: Logger;
  artifacts: ArtifactStore;
  /** Connection to another CityML service (config address, or this process). */
  peer(service: ServiceName): PeerConnection;
  /**
   * The check gRPC calls pass (API key, role table, rate limit), for bindings other than
   * gRPC such as the OIP HTTP/JSON port: pass the request's headers as Metadata and the
   * equivalent gRPC method path. Throws UNAUTHENTICATED / PERMISSION_DENIED / RESOURCE_EXHAUSTED.
   */
  authenticate?: Authenticator;
}

/**
 * A service library's export: its schema migrations and a factory that builds its gRPC
 * registration from its dependencies, so an app or `cityml up` can host it.
 */
export interface ServiceModule {
  name: ServiceName;
  migrations: SchemaMigrations[];
  create(deps: ServiceDeps): ServiceRegistration | Promise<ServiceRegistration>;
}
