import { makeGenericClientConstructor, Metadata, type Client, type ServiceError } from '@grpc/grpc-js';
import { service as healthService } from 'grpc-health-check';
import { callOptions, toClientError, type ConnectionOptions } from './core';

type HealthClientT = Client & {
  check(req: { service: string }, md: Metadata, opts: object, cb: (e: ServiceError | null, r: { status: string | number }) => void): void;
};

const HealthClient = makeGenericClientConstructor(healthService as never, 'grpc.health.v1.Health') as unknown as (new (
  ...args: ConstructorParameters<ReturnType<typeof makeGenericClientConstructor>>
) => HealthClientT) & { service: Record<string, { path: string }> };

const STATUS = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'];

/** grpc.health.v1 client helpers. */
export const grpc = {
  HealthClient,
  /** Resolves with "SERVING", "NOT_SERVING", … for `service`. */
  check(client: HealthClientT, service: string, options: ConnectionOptions): Promise<string> {
    return new Promise((resolve, reject) =>
      client.check({ service }, new Metadata(), callOptions(options, 5_000), (err, res) =>
        err ? reject(toClientError(err)) : resolve(typeof res.status === 'number' ? STATUS[res.status] : res.status),
      ),
    );
  },
};
