import { startTestPlatform, type TestPlatform } from '@cityml/platform/testing';
import { JobState, type TrainingJob } from '@cityml/sdk';
import type { preprocessing } from '@cityml/proto';
import { linearFeatureSet, trainToEnd, waitEnded } from './testing/fixtures';

jest.setTimeout(120_000);

async function untilEpoch(t: TestPlatform, id: string, epoch: number): Promise<TrainingJob> {
  for await (const e of t.client.training.watchJob(id)) {
    if (e.epoch && e.epoch.epoch >= epoch) return e.job!;
  }
  throw new Error('the watch ended before the epoch');
}

describe('the life of a training job', () => {
  let t: TestPlatform;
  let fs: preprocessing.FeatureSet;
  beforeAll(async () => {
    t = await startTestPlatform();
    fs = await linearFeatureSet(t.client, 'lifecycle', 3000);
  });
  afterAll(() => t?.stop());

  it('streams state changes and every epoch over WatchJob until the job ends', async () => {
    const submitted = await t.client.training.submitJob({ featureSetId: fs.id, modelName: 'watched', hyperparameters: { epochs: 6, seed: 4 } });
    expect(submitted.state).toBe(JobState.JOB_STATE_QUEUED);
    const states: JobState[] = [];
    const epochs: number[] = [];
    for await (const e of t.client.training.watchJob(submitted.id)) {
      if (e.epoch) {
        epochs.push(e.epoch.epoch);
        expect(e.epoch.loss).toBeGreaterThan(0);
        expect(e.epoch.valLoss).toBeGreaterThan(0);
      } else if (states[states.length - 1] !== e.job!.state) states.push(e.job!.state);
    }
    expect(epochs).toEqual([1, 2, 3, 4, 5, 6]);
    expect(states[states.length - 1]).toBe(JobState.JOB_STATE_DONE);
    expect(states).toContain(JobState.JOB_STATE_RUNNING);
  });

  it('stops a cancelled job within one epoch', async () => {
    const job = await t.client.training.submitJob({ featureSetId: fs.id, modelName: 'cancelled', hyperparameters: { epochs: 500, batchSize: 16 } });
    const running = await untilEpoch(t, job.id, 2);
    const cancelled = await t.client.training.cancelJob(job.id);
    expect(cancelled.state).toBe(JobState.JOB_STATE_CANCELLED);
    const ended = await waitEnded(t.client, job.id);
    await new Promise((r) => setTimeout(r, 1000)); // the worker would have finished more epochs by now
    const later = await t.client.training.getJob(job.id);
    expect(later.state).toBe(JobState.JOB_STATE_CANCELLED);
    expect(later.history.length).toBeLessThanOrEqual(running.epoch + 1);
    expect(later.epoch).toBe(ended.epoch);
    await expect(t.client.training.cancelJob(job.id)).rejects.toMatchObject({ code: 9 }); // FAILED_PRECONDITION
  });

  it('answers Predict in the same process while a job trains in a worker thread', async () => {
    const trained = await trainToEnd(t.client, { featureSetId: fs.id, modelName: 'served', promote: true, model: { hiddenUnits: [16] }, hyperparameters: { epochs: 10, learningRate: 0.01, seed: 1 } });
    expect(trained.promoted).toBe(true);
    const warm = await t.client.predict('served', [{ x1: 1, x2: 1 }]);
    expect(warm.values[0]).toBeCloseTo(1, 0);
    const long = await t.client.training.submitJob({ featureSetId: fs.id, modelName: 'busy', hyperparameters: { epochs: 500, batchSize: 16 } });
    await untilEpoch(t, long.id, 1);
    const latencies: number[] = [];
    for (let i = 0; i < 30; i++) {
      const t0 = performance.now();
      const p = await t.client.predict('served', [{ x1: 0.5, x2: -0.5 }]);
      latencies.push(performance.now() - t0);
      expect(p.values[0]).toBeCloseTo(2.5, 0);
    }
    const during = await t.client.training.getJob(long.id);
    expect(during.state).toBe(JobState.JOB_STATE_RUNNING); // it really was training all along
    latencies.sort((a, b) => a - b);
    expect(latencies[Math.floor(latencies.length * 0.9)]).toBeLessThan(100);
    await t.client.training.cancelJob(long.id);
  });

  it('lists jobs newest first with filters and page tokens, and answers NOT_FOUND for unknown ids', async () => {
    const all = (await t.client.training.listJobs({})).jobs;
    expect(all.length).toBeGreaterThanOrEqual(4);
    const times = all.map((j) => j.createTime!.getTime());
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    const first = await t.client.training.listJobs({ pageSize: 1 });
    expect(first.jobs).toHaveLength(1);
    const second = await t.client.training.listJobs({ pageSize: 1, pageToken: first.nextPageToken });
    expect(second.jobs[0].id).not.toBe(first.jobs[0].id);
    expect(second.jobs[0].id).toBe(all[1].id);
    const served = await t.client.training.listJobs({ modelName: 'served', state: JobState.JOB_STATE_DONE });
    expect(served.jobs.map((j) => j.modelName)).toEqual(['served']);
    const cancelled = await t.client.training.listJobs({ state: JobState.JOB_STATE_CANCELLED });
    expect(cancelled.jobs.every((j) => j.state === JobState.JOB_STATE_CANCELLED)).toBe(true);
    await expect(t.client.training.getJob('no-such-job')).rejects.toMatchObject({ code: 5 });
    await expect(t.client.training.listJobs({ pageToken: 'garbage' })).rejects.toMatchObject({ code: 3, details: [{ field: 'page_token' }] });
  });
});
