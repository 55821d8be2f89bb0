// eslint-disable-next-line @nx/enforce-module-boundaries
import { startTestPlatform, type TestPlatform } from '@cityml/platform/testing';
import { JobState, ModelKind } from '@cityml/sdk';
import { blobsFeatureSet, linearFeatureSet, trainToEnd } from './testing/fixtures';

jest.setTimeout(120_000);

describe('training tabular models', () => {
  let t: TestPlatform;
  beforeAll(async () => {
    t = await startTestPlatform({ services: ['ingestion', 'preprocessing', 'registry', 'training'] });
  });
  afterAll(() => t?.stop());

  it('learns y = 3·x1 − 2·x2 + noise to R² above 0.95 and registers the version with its lineage', async () => {
    const fs = await linearFeatureSet(t.client, 'linear');
    const job = await trainToEnd(t.client, {
      featureSetId: fs.id,
      modelName: 'linear-model',
      model: { kind: ModelKind.MODEL_KIND_DENSE, hiddenUnits: [16] },
      hyperparameters: { epochs: 25, batchSize: 32, learningRate: 0.01, seed: 1 },
    });
    expect(job.error).toBe('');
    expect(job.state).toBe(JobState.JOB_STATE_DONE);
    expect(job.evaluation!.metrics.r2).toBeGreaterThan(0.95);
    expect(job.evaluation!.primaryMetric).toBe('rmse');
    expect(job.evaluation!.baselines.map((b) => b.name)).toEqual(['mean']);
    expect(job.history).toHaveLength(25);
    expect(job.backend).toBe('wasm');
    expect(job.blessed).toBe(true);
    expect(job.modelVersion).toBe(1);
    const version = await t.client.registry.getModelVersion('linear-model', job.modelVersion);
    expect(version.lineage).toMatchObject({ dataset: 'linear', featureSetId: fs.id, jobId: job.id });
    expect(version.trainingCurves).toHaveLength(25);
    expect(version.hyperparameters.learning_rate).toBe('0.01');
    expect(version.evaluation?.metrics.r2).toBeCloseTo(job.evaluation!.metrics.r2, 6);
  });

  it('reaches accuracy above 0.9 on separable multiclass data and reports per-class scores', async () => {
    const fs = await blobsFeatureSet(t.client, 'blobs');
    const job = await trainToEnd(t.client, {
      featureSetId: fs.id,
      modelName: 'blobs-model',
      model: { hiddenUnits: [16] },
      hyperparameters: { epochs: 20, batchSize: 32, learningRate: 0.01, seed: 2 },
    });
    expect(job.error).toBe('');
    expect(job.evaluation!.metrics.accuracy).toBeGreaterThan(0.9);
    expect(job.evaluation!.primaryMetric).toBe('macro_f1');
    expect(job.evaluation!.classes.map((c) => c.label).sort()).toEqual(['east', 'north', 'west']);
    expect(job.evaluation!.confusionMatrix!.counts).toHaveLength(9);
    const majority = job.evaluation!.baselines.find((b) => b.name === 'majority')!;
    expect(job.evaluation!.metrics.macro_f1).toBeGreaterThan(majority.metrics.macro_f1);
  });
});
