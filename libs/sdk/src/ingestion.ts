import { ingestion } from '@cityml/proto';
import { createClient, type ConnectionOptions } from './core';

/** Typed client of the ingestion service (cityml.ingestion.v1.IngestionService). */
export class IngestionClient {
  /** The generated grpc-js client, for calls this class does not wrap. */
  readonly raw: ingestion.IngestionServiceClient;

  constructor(readonly options: ConnectionOptions) {
    this.raw = createClient(ingestion.IngestionServiceClient, options);
  }

  close(): void {
    this.raw.close();
  }
}
