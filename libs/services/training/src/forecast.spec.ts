import { startTestPlatform, type TestPlatform } from '@cityml/platform/testing';
import { ModelKind } from '@cityml/sdk';
import { seasonalFeatureSet, trainToEnd } from './testing/fixtures';

jest.setTimeout(120_000);

describe('training forecast models', () => {
  let t: TestPlatform;
  beforeAll(async () => {
    t = await startTestPlatform({ services: ['ingestion', 'preprocessing', 'registry', 'training'] });
  });
  afterAll(() => t?.stop());

  it('beats persistence on a seasonal synthetic series with a dense net over lag features', async () => {
    const fs = await seasonalFeatureSet(t.client, 'hourly');
    const job = await trainToEnd(t.client, { featureSetId: fs.id, modelName: 'hourly-dense', model: { hiddenUnits: [16] }, hyperparameters: { epochs: 15, learningRate: 0.01, seed: 1 } });
    expect(job.error).toBe('');
    const ev = job.evaluation!;
    expect(ev.primaryMetric).toBe('mae');
    expect(ev.maePerStep).toHaveLength(1);
    expect(ev.rmsePerStep).toHaveLength(1);
    const persistence = ev.baselines.find((b) => b.name === 'persistence')!;
    expect(ev.baselines.map((b) => b.name).sort()).toEqual(['persistence', 'seasonal_naive']);
    expect(ev.metrics.mae).toBeLessThan(persistence.metrics.mae / 2);
  });

  it('trains a GRU over the sequence layout, and refuses a dense net there', async () => {
    const fs = await seasonalFeatureSet(t.client, 'hourly-seq', 'sequence', 20);
    await expect(t.client.training.submitJob({ featureSetId: fs.id, modelName: 'x', model: { kind: ModelKind.MODEL_KIND_DENSE } })).rejects.toMatchObject({ details: [{ field: 'model.kind' }] });
    const job = await trainToEnd(t.client, {
      featureSetId: fs.id, modelName: 'hourly-gru',
      model: { kind: ModelKind.MODEL_KIND_GRU, recurrentUnits: 8, hiddenUnits: [8] },
      hyperparameters: { epochs: 4, batchSize: 32, learningRate: 0.02, seed: 1 },
    });
    expect(job.error).toBe('');
    expect(job.model?.kind).toBe(ModelKind.MODEL_KIND_GRU);
    const persistence = job.evaluation!.baselines.find((b) => b.name === 'persistence')!;
    expect(job.evaluation!.metrics.mae).toBeLessThan(persistence.metrics.mae);
  });
});
