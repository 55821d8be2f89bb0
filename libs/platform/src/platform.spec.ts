import { status } from '@grpc/grpc-js';
import { startTestPlatform, type TestPlatform } from './testing';

describe('a platform hosting all five services', () => {
  let t: TestPlatform;
  beforeAll(async () => {
    t = await startTestPlatform();
  });
  afterAll(async () => {
    await t?.stop();
  });

  it.each(['', 'cityml.ingestion.v1.IngestionService', 'cityml.preprocessing.v1.PreprocessingService', 'cityml.training.v1.TrainingService', 'cityml.registry.v1.RegistryService', 'cityml.inference.v1.InferenceService'])(
    'reports SERVING for "%s" through grpc.health.v1',
    async (service) => {
      await expect(t.client.health(service)).resolves.toBe('SERVING');
    },
  );

  it('answers an unknown service name with SERVICE_UNKNOWN-style NOT_FOUND', async () => {
    await expect(t.client.health('cityml.nope.v1.Nope')).rejects.toMatchObject({ code: status.NOT_FOUND });
  });

  it("serves every service's own metrics on the process's /metrics, with the training queue depth", async () => {
    const body = await (await fetch(`http://127.0.0.1:${t.platform.server.metricsPort}/metrics`)).text();
    expect(body).toMatch(/^cityml_training_queue_depth 0$/m);
    expect(body).toMatch(/^# HELP cityml_inference_requests_total/m);
    expect(body).toMatch(/cityml_grpc_requests_total/);
  });

  it('implements every RPC of every service it hosts (none is left UNIMPLEMENTED)', () => {
    const missing = t.platform.registrations.flatMap((r) =>
      Object.keys(r.definition)
        .filter((m) => typeof (r.implementation as Record<string, unknown>)[m] !== 'function')
        .map((m) => `${r.fullName}.${m}`),
    );
    expect(t.platform.registrations.map((r) => r.fullName)).toEqual(expect.arrayContaining(['inference.GRPCInferenceService', 'cityml.admin.v1.AdminService']));
    expect(missing).toEqual([]);
  });
});
