import { training } from '@cityml/proto';
import { createClient, type ConnectionOptions } from './core';

/** Typed client of the training service (cityml.training.v1.TrainingService). */
export class TrainingClient {
  /** The generated grpc-js client, for calls this class does not wrap. */
  readonly raw: training.TrainingServiceClient;

  constructor(readonly options: ConnectionOptions) {
    this.raw = createClient(training.TrainingServiceClient, options);
  }

  close(): void {
    this.raw.close();
  }
}
