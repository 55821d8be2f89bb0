import { inference } from '@cityml/proto';
import { createClient, type ConnectionOptions } from './core';

/** Typed client of the inference service (cityml.inference.v1.InferenceService). */
export class InferenceClient {
  /** The generated grpc-js client, for calls this class does not wrap. */
  readonly raw: inference.InferenceServiceClient;

  constructor(readonly options: ConnectionOptions) {
    this.raw = createClient(inference.InferenceServiceClient, options);
  }

  close(): void {
    this.raw.close();
  }
}
