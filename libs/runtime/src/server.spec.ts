import { setTimeout as sleep } from 'node:timers/promises';
import { credentials, Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { registry } from '@cityml/proto';
import { FILE_DESCRIPTOR_SET_BASE64 } from '@cityml/proto';
import { createLogger } from './logger';
import { loadConfig } from './config';
import { InvalidArgumentError, NotFoundError } from './errors';
import { startServer, type RunningServer } from './server';
import type { AsyncService } from './handlers';
import { listServices } from './testing/reflection-client';

type Impl = Partial<AsyncService<typeof registry.RegistryServiceService>>;

const implementation = {
  async getModel(req) {
    if (req.name === 'slow') {
      await sleep(800);
      return { model: registry.Model.fromPartial({ name: 'slow' }) };
    }
    if (req.name === 'boom') throw new Error('secret SQL text: select * from registry.models');
    if (req.name === 'bad') throw new InvalidArgumentError('name: must be lowercase', [{ field: 'name', reason: 'must be lowercase' }]);
    throw new NotFoundError(`model ${req.name} not found`);
  },
} satisfies Impl;

function call(address: string, name: string): Promise<registry.GetModelResponse> {
  const client = new registry.RegistryServiceClient(address, credentials.createInsecure());
  return new Promise<registry.GetModelResponse>((resolve, reject) =>
    client.getModel({ name }, new Metadata(), (err: ServiceError | null, res: registry.GetModelResponse) => {
      client.close();
      return err ? reject(err) : resolve(res);
    }),
  );
}

describe('the server bootstrap', () => {
  let server: RunningServer;
  let address: string;
  beforeEach(async () => {
    const config = loadConfig({ CITYML_HOST: '127.0.0.1', CITYML_PORT: '0', CITYML_METRICS_PORT: '0', CITYML_SHUTDOWN_TIMEOUT_MS: '5000' });
    server = await startServer({
      config,
      log: createLogger({ level: 'silent', pretty: false }),
      services: [{ fullName: 'cityml.registry.v1.RegistryService', definition: registry.RegistryServiceService, implementation }],
      descriptorSetBase64: FILE_DESCRIPTOR_SET_BASE64,
    });
    address = `127.0.0.1:${server.port}`;
  });
  afterEach(() => server.shutdown());

  it('maps a domain error to its status code and keeps its details', async () => {
    const err = (await call(address, 'bad').catch((e) => e)) as ServiceError;
    expect(err.code).toBe(status.INVALID_ARGUMENT);
    expect(err.details).toBe('name: must be lowercase');
    expect(JSON.parse(err.metadata.get('cityml-error-details-bin')[0].toString())).toEqual([{ field: 'name', reason: 'must be lowercase' }]);
    await expect(call(address, 'nope')).rejects.toMatchObject({ code: status.NOT_FOUND });
  });

  it('answers an unknown error with INTERNAL "internal error" and never sends its cause', async () => {
    const err = (await call(address, 'boom').catch((e) => e)) as ServiceError;
    expect(err.code).toBe(status.INTERNAL);
    expect(err.details).toBe('internal error');
    expect(JSON.stringify(err)).not.toMatch(/select/);
    await expect(call(address, 'nope')).rejects.toMatchObject({ code: status.NOT_FOUND }); // still serving
  });

  it('answers UNIMPLEMENTED for methods the service does not implement yet', async () => {
    const client = new registry.RegistryServiceClient(address, credentials.createInsecure());
    const err = await new Promise<ServiceError>((resolve) => client.listModels(registry.ListModelsRequest.fromPartial({}), (e: ServiceError | null) => resolve(e!)));
    client.close();
    expect(err.code).toBe(status.UNIMPLEMENTED);
  });

  it('lists its services through server reflection', async () => {
    await expect(listServices(address)).resolves.toEqual(['cityml.registry.v1.RegistryService']);
  });

  it('counts calls per method and status code in Prometheus metrics', async () => {
    await call(address, 'nope').catch(() => undefined);
    const body = await (await fetch(`http://127.0.0.1:${server.metricsPort}/metrics`)).text();
    expect(body).toMatch(/cityml_grpc_requests_total\{method="\/cityml.registry.v1.RegistryService\/GetModel",code="NOT_FOUND"\} 1/);
    expect(body).toMatch(/cityml_grpc_request_duration_seconds_bucket/);
  });

  it('lets an in-flight call finish when it drains', async () => {
    const slow = call(address, 'slow');
    await sleep(100);
    const stopped = server.shutdown('test');
    await expect(slow).resolves.toMatchObject({ model: { name: 'slow' } });
    await stopped;
    await expect(call(address, 'nope')).rejects.toMatchObject({ code: status.UNAVAILABLE });
  });
});
