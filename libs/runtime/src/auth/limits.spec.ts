import { credentials, status, type Metadata, type ServiceError } from '@grpc/grpc-js';
import { common, inference, ingestion, preprocessing } from '@cityml/proto';
import { loadConfig } from '../config';
import type { Authenticator, Principal } from '../context';
import { UnauthenticatedError } from '../errors';
import { createLogger } from '../logger';
import { startServer, type RunningServer } from '../server';
import { codeName, metadata } from './test-clients';

const log = createLogger({ level: 'silent', pretty: false });
const batch = (rowCount: number): common.RowBatch => ({ rowCount, columns: [] });

/** Principal from a test header: "tenant/subject" (or "service"). */
const testAuth: Authenticator = (md: Metadata): Principal => {
  const who = String(md.get('authorization')[0] ?? '').replace(/^Bearer /, '');
  if (!who) throw new UnauthenticatedError('missing credentials');
  if (who === 'service') return { tenant: '', role: 'admin', subject: 'service', service: true };
  const [tenant, subject] = who.split('/');
  return { tenant, role: 'admin', subject };
};

let active = 0;
async function start(env: Record<string, string>): Promise<RunningServer> {
  const config = loadConfig({ CITYML_HOST: '127.0.0.1', CITYML_PORT: '0', CITYML_METRICS_PORT: '0', ...env });
  return startServer({
    config,
    log,
    authenticate: testAuth,
    services: [
      {
        fullName: 'cityml.ingestion.v1.IngestionService',
        definition: ingestion.IngestionServiceService,
        implementation: {
          async ingestRows(requests: AsyncIterable<ingestion.IngestRowsRequest>) {
            let rows = 0;
            for await (const r of requests) rows += r.rows?.rowCount ?? 0;
            return ingestion.IngestRowsResponse.fromPartial({ rowsAccepted: rows });
          },
          async getDataset() {
            return ingestion.GetDatasetResponse.fromPartial({});
          },
        },
      },
      {
        fullName: 'cityml.inference.v1.InferenceService',
        definition: inference.InferenceServiceService,
        implementation: {
          async predict(req: inference.PredictRequest) {
            return inference.PredictResponse.fromPartial({ modelName: req.modelName });
          },
        },
      },
      {
        fullName: 'cityml.preprocessing.v1.PreprocessingService',
        definition: preprocessing.PreprocessingServiceService,
        implementation: {
          async *watchFeatureSet(_req: preprocessing.WatchFeatureSetRequest, ctx) {
            active++;
            try {
              yield preprocessing.WatchFeatureSetResponse.fromPartial({});
              await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve));
            } finally {
              active--;
            }
          },
        },
      },
    ],
  });
}

const predict = (address: string, rows: number) =>
  new Promise<{ err: ServiceError | null; res?: inference.PredictResponse }>((resolve) => {
    const c = new inference.InferenceServiceClient(address, credentials.createInsecure());
    c.predict(inference.PredictRequest.fromPartial({ modelName: 'm', rows: batch(rows) }), metadata('t/key_a'), (err, res) => (c.close(), resolve({ err, res })));
  });

const predictWith = (address: string, req: inference.PredictRequest) =>
  new Promise<{ err: ServiceError | null }>((resolve) => {
    const c = new inference.InferenceServiceClient(address, credentials.createInsecure());
    c.predict(req, metadata('t/key_a'), (err) => (c.close(), resolve({ err })));
  });

const ingest = (address: string, sizes: number[]) =>
  new Promise<{ err: ServiceError | null; res?: ingestion.IngestRowsResponse }>((resolve) => {
    const c = new ingestion.IngestionServiceClient(address, credentials.createInsecure());
    const call = c.ingestRows(metadata('t/key_a'), (err, res) => (c.close(), resolve({ err, res })));
    for (const n of sizes) call.write(ingestion.IngestRowsRequest.fromPartial({ rows: batch(n) }));
    call.end();
  });

describe('rows per request', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await start({ CITYML_MAX_ROWS_PER_REQUEST: '10' });
  });
  afterAll(() => server.shutdown());

  it('accepts a unary request at the limit and refuses one past it with RESOURCE_EXHAUSTED', async () => {
    const address = `127.0.0.1:${server.port}`;
    expect((await predict(address, 10)).res).toMatchObject({ modelName: 'm' });
    const { err } = await predict(address, 11);
    expect(err?.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(err?.details).toMatch(/at most 10 rows/);
  });

  it('checks every message of a client stream', async () => {
    const address = `127.0.0.1:${server.port}`;
    expect((await ingest(address, [10, 10, 5])).res).toMatchObject({ rowsAccepted: 25 });
    expect((await ingest(address, [10, 11])).err?.code).toBe(status.RESOURCE_EXHAUSTED);
  });
});

describe('the maximum message size', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await start({ CITYML_MAX_MESSAGE_BYTES: '4096' });
  });
  afterAll(() => server.shutdown());

  it('refuses a request larger than CITYML_MAX_MESSAGE_BYTES with RESOURCE_EXHAUSTED', async () => {
    const address = `127.0.0.1:${server.port}`;
    expect((await predictWith(address, inference.PredictRequest.fromPartial({ modelName: 'm', requestId: 'x'.repeat(1000) }))).err).toBeNull();
    expect((await predictWith(address, inference.PredictRequest.fromPartial({ modelName: 'm', requestId: 'x'.repeat(8000) }))).err?.code).toBe(status.RESOURCE_EXHAUSTED);
  });
});

describe('strings in requests', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await start({});
  });
  afterAll(() => server.shutdown());

  it('refuses a NUL character in a name with INVALID_ARGUMENT naming the field, before the handler runs', async () => {
    const c = new ingestion.IngestionServiceClient(`127.0.0.1:${server.port}`, credentials.createInsecure());
    const err = await new Promise<ServiceError | null>((resolve) => c.getDataset(ingestion.GetDatasetRequest.fromPartial({ name: 'a\u0000b' }), metadata('t/key_a'), (e) => resolve(e)));
    expect(err?.code).toBe(status.INVALID_ARGUMENT);
    expect(err?.details).toBe('name: must not contain NUL characters');
    const nested = await predictWith(`127.0.0.1:${server.port}`, inference.PredictRequest.fromPartial({ modelName: 'm', requestId: 'x\u0000' }));
    expect(nested.err?.details).toBe('request_id: must not contain NUL characters');
    c.close();
  });
});

describe('the per-key rate limit', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await start({ CITYML_RATE_LIMIT_RPS: '1', CITYML_RATE_LIMIT_BURST: '3' });
  });
  afterAll(() => server.shutdown());

  const call = (key: string) =>
    new Promise<string>((resolve) => {
      const c = new ingestion.IngestionServiceClient(`127.0.0.1:${server.port}`, credentials.createInsecure());
      c.getDataset(ingestion.GetDatasetRequest.fromPartial({}), metadata(key), (err) => (c.close(), resolve(codeName(err))));
    });

  it('allows a burst, then answers RESOURCE_EXHAUSTED, per key', async () => {
    const a: string[] = [];
    for (let i = 0; i < 5; i++) a.push(await call('t/key_a'));
    expect(a).toEqual(['OK', 'OK', 'OK', 'RESOURCE_EXHAUSTED', 'RESOURCE_EXHAUSTED']);
    expect(await call('t/key_b')).toBe('OK');
  });

  it('refills the bucket over time', async () => {
    for (let i = 0; i < 3; i++) await call('t/key_c');
    expect(await call('t/key_c')).toBe('RESOURCE_EXHAUSTED');
    await new Promise((r) => setTimeout(r, 1100));
    expect(await call('t/key_c')).toBe('OK');
  });

  it('does not limit the platform service identity', async () => {
    const codes: string[] = [];
    for (let i = 0; i < 6; i++) codes.push(await call('service'));
    expect(codes.every((c) => c === 'OK')).toBe(true);
  });
});

describe('concurrent streams per connection', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await start({ CITYML_MAX_CONCURRENT_STREAMS: '2' });
  });
  afterAll(() => server.shutdown());

  it('runs at most CITYML_MAX_CONCURRENT_STREAMS streams of one connection at a time', async () => {
    const c = new preprocessing.PreprocessingServiceClient(`127.0.0.1:${server.port}`, credentials.createInsecure());
    const calls = Array.from({ length: 4 }, () => c.watchFeatureSet(preprocessing.WatchFeatureSetRequest.fromPartial({ id: 'x' }), metadata('t/key_a')));
    const started = calls.map((call) => new Promise<void>((resolve) => (call.once('data', () => resolve()), call.once('error', () => resolve()))));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(started.slice(0, 2)), new Promise((r) => (timer = setTimeout(r, 2000)))]);
    clearTimeout(timer);
    await new Promise((r) => setTimeout(r, 300));
    expect(active).toBe(2);
    calls[0].cancel();
    await new Promise((r) => setTimeout(r, 300));
    expect(active).toBe(2); // the third started when the first ended
    for (const call of calls) call.cancel();
    await Promise.all(started);
    c.close();
  });
});
