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
});
