import { registry } from '@cityml/proto';
import { createClient, type ConnectionOptions } from './core';

/** Typed client of the registry service (cityml.registry.v1.RegistryService). */
export class RegistryClient {
  /** The generated grpc-js client, for calls this class does not wrap. */
  readonly raw: registry.RegistryServiceClient;

  constructor(readonly options: ConnectionOptions) {
    this.raw = createClient(registry.RegistryServiceClient, options);
  }

  close(): void {
    this.raw.close();
  }
}
