// Test helpers for the auth specs: plain grpc-js clients (the runtime's specs must not
// import the SDK, which depends on the runtime through the platform).
import { readFileSync } from 'node:fs';
import { credentials, makeGenericClientConstructor, Metadata, status, type ChannelCredentials, type Client, type ServiceError } from '@grpc/grpc-js';
import { service as healthService } from 'grpc-health-check';

/** How a test client connects. */
export interface TestConnection {
  address: string;
  /** Sent as `authorization: Bearer <key>`. */
  key?: string;
  tls?: { caFile?: string; certFile?: string; keyFile?: string };
}

export function channelCredentials(tls: TestConnection['tls']): ChannelCredentials {
  if (!tls) return credentials.createInsecure();
  const read = (f?: string) => (f ? readFileSync(f) : null);
  return credentials.createSsl(read(tls.caFile), read(tls.keyFile), read(tls.certFile));
}

export function metadata(key?: string): Metadata {
  const md = new Metadata();
  if (key) md.set('authorization', `Bearer ${key}`);
  return md;
}

/** The status code name of a settled call ("OK" when it succeeded). */
export function codeName(err: ServiceError | null | undefined): string {
  return err ? (status[err.code] ?? String(err.code)) : 'OK';
}

type HealthClient = Client & { check(req: { service: string }, md: Metadata, opts: object, cb: (e: ServiceError | null, r: { status: string | number }) => void): void };
const Health = makeGenericClientConstructor(healthService as never, 'grpc.health.v1.Health') as unknown as new (address: string, creds: ChannelCredentials) => HealthClient;
const HEALTH_STATUS = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'];

/** grpc.health.v1 Check over plaintext (or TLS): "SERVING", … */
export function healthCheck(c: TestConnection, service = ''): Promise<string> {
  const client = new Health(c.address, channelCredentials(c.tls));
  return new Promise<string>((resolve, reject) =>
    client.check({ service }, new Metadata(), { deadline: new Date(Date.now() + 5000) }, (err, res) => {
      client.close();
      if (err) reject(err);
      else resolve(typeof res.status === 'number' ? HEALTH_STATUS[res.status] : res.status);
    }),
  );
}
