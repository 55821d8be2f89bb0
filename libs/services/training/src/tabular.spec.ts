import { startTestPlatform, type TestPlatform } from '@cityml/platform/testing';
import { status } from '@grpc/grpc-js';
import { CityMLClientError, JobState, ModelKind } from '@cityml/sdk';
import type { preprocessing } from '@cityml/proto';
import { blobsFeatureSet, linearFeatureSet, textFeatureSet, trainToEnd } from './testing/fixtures';

async function rejection(p: Promise<unknown>): Promise<CityMLClientError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof CityMLClientError) return err;
    throw err;
  }
  throw new Error('expected the call to fail');
}

jest.setTimeout(120_000);

describe('training tabular models', () => {
  let t: TestPlatform;
  let linear: preprocessing.FeatureSet;
  beforeAll(async () => {
    t = await startTestPlatform({ services: ['ingestion', 'preprocessing', 'registry', 'training'] });
    linear = await linearFeatureSet(t.client, 'linear');
  });
  afterAll(() => t?.stop());

  it('learns y = 3·x1 − 2·x2 + noise to R² above 0.95 and registers the version with its lineage', async () => {
    const fs = linear;
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

  it('beats the majority class on a small synthetic text corpus with TF-IDF features', async () => {
    const fs = await textFeatureSet(t.client, 'requests');
    const job = await trainToEnd(t.client, { featureSetId: fs.id, modelName: 'requests-model', model: { hiddenUnits: [16] }, hyperparameters: { epochs: 15, learningRate: 0.01, seed: 3 } });
    expect(job.error).toBe('');
    expect(job.task).toBe('text_classification');
    const majority = job.evaluation!.baselines.find((b) => b.name === 'majority')!;
    expect(job.evaluation!.metrics.macro_f1).toBeGreaterThan(majority.metrics.macro_f1 + 0.3);
    expect(job.evaluation!.metrics.accuracy).toBeGreaterThan(majority.metrics.accuracy);
    expect(job.blessed).toBe(true);
  });

  it('rejects values past the limits with INVALID_ARGUMENT naming the field, and nothing is queued', async () => {
    const base = { featureSetId: linear.id, modelName: 'limits' };
    const cases: [Parameters<typeof t.client.training.submitJob>[0], string][] = [
      [{ ...base, hyperparameters: { epochs: 5000 } }, 'hyperparameters.epochs'],
      [{ ...base, hyperparameters: { batchSize: 100_000 } }, 'hyperparameters.batch_size'],
      [{ ...base, hyperparameters: { learningRate: -1 } }, 'hyperparameters.learning_rate'],
      [{ ...base, model: { hiddenUnits: [4096, 4096, 4096] } }, 'model.hidden_units'],
      [{ ...base, model: { hiddenUnits: [8, 0] } }, 'model.hidden_units[1]'],
      [{ ...base, model: { dropout: 0.95 } }, 'model.dropout'],
      [{ ...base, model: { kind: ModelKind.MODEL_KIND_LSTM } }, 'model.kind'],
      [{ ...base, modelName: 'bad name!' }, 'model_name'],
    ];
    for (const [req, field] of cases) {
      const err = await rejection(t.client.training.submitJob(req));
      expect(err.code).toBe(status.INVALID_ARGUMENT);
      expect(err.details.map((d) => d.field)).toEqual([field]);
    }
    expect((await rejection(t.client.training.submitJob({ ...base, featureSetId: 'no-such-set' }))).code).toBe(status.NOT_FOUND);
    expect((await t.client.training.listJobs({ modelName: 'limits' })).jobs).toHaveLength(0);
  });

  it('promotes a blessed model and refuses to bless a model worse than production', async () => {
    const good = await trainToEnd(t.client, {
      featureSetId: linear.id, modelName: 'city-demand', promote: true,
      model: { hiddenUnits: [16] }, hyperparameters: { epochs: 25, batchSize: 32, learningRate: 0.01, seed: 1 },
    });
    expect(good).toMatchObject({ blessed: true, promoted: true, modelVersion: 1 });
    const worse = await trainToEnd(t.client, {
      featureSetId: linear.id, modelName: 'city-demand', promote: true,
      model: { hiddenUnits: [4] }, hyperparameters: { epochs: 2, batchSize: 64, learningRate: 0.01, seed: 9 },
    });
    expect(worse.state).toBe(JobState.JOB_STATE_DONE);
    expect(worse.evaluation!.metrics.rmse).toBeLessThan(worse.evaluation!.baselines[0].metrics.rmse); // it beats the mean…
    expect(worse).toMatchObject({ blessed: false, promoted: false, modelVersion: 2, productionVersion: 1 }); // …but not production
    expect(worse.blessingReason).toMatch(/not promoted: rmse .* does not beat production version 1/);
    expect((await t.client.registry.getVersionByAlias('city-demand', 'production')).version).toBe(1);
  });

  it('stops early on validation loss with patience and reproduces a run from its seed', async () => {
    const req = { featureSetId: linear.id, modelName: 'early', model: { hiddenUnits: [8] }, hyperparameters: { epochs: 300, batchSize: 128, learningRate: 0.05, earlyStoppingPatience: 2, seed: 11 } };
    const [a, b] = await Promise.all([trainToEnd(t.client, req), trainToEnd(t.client, req)]);
    expect(a.error).toBe('');
    expect(a.stoppedEarly).toBe(true);
    expect(a.history.length).toBeLessThan(300);
    expect(a.bestEpoch).toBe(a.history.length - 2);
    const best = Math.min(...a.history.map((h) => h.valLoss));
    expect(a.history[a.bestEpoch - 1].valLoss).toBe(best);
    expect(b.history.map((h) => h.loss)).toEqual(a.history.map((h) => h.loss));
    expect(b.evaluation!.metrics.rmse).toBe(a.evaluation!.metrics.rmse);
  });
});
