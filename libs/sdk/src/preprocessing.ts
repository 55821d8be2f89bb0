import { preprocessing } from '@cityml/proto';
import { createClient, type ConnectionOptions } from './core';

/** Typed client of the preprocessing service (cityml.preprocessing.v1.PreprocessingService). */
export class PreprocessingClient {
  /** The generated grpc-js client, for calls this class does not wrap. */
  readonly raw: preprocessing.PreprocessingServiceClient;

  constructor(readonly options: ConnectionOptions) {
    this.raw = createClient(preprocessing.PreprocessingServiceClient, options);
  }

  close(): void {
    this.raw.close();
  }
}
