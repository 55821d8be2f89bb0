import { startTestPlatform, type TestPlatform } from '@cityml/platform/testing';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { CityML, JobState } from '@cityml/sdk';
import { linearFeatureSet, waitEnded } from './testing/fixtures';

jest.setTimeout(120_000);

const ROOT = join(__dirname, '../../../..');

/** Starts `node dist/apps/training/main.js` (a trainer process) and resolves with its address. */
function startTrainer(env: Record<string, string>): Promise<{ child: ChildProcess; address: string }> {
  const child = spawn(process.execPath, [join(ROOT, 'dist/apps/training/main.js')], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      try {
        const m = JSON.parse(line) as { msg?: string; address?: string };
        if (m.msg === 'serving' && m.address) resolve({ child, address: m.address });
      } catch {
        // not a log line
      }
    });
    child.once('exit', (code) => reject(new Error(`trainer exited with ${code}`)));
  });
}

describe('a trainer killed mid-job', () => {
  let t: TestPlatform;
  const children: ChildProcess[] = [];
  const serviceKey = `cml_svc_${randomBytes(24).toString('hex')}`;
  beforeAll(async () => {
    t = await startTestPlatform({ services: ['ingestion', 'preprocessing', 'registry'], env: { CITYML_SERVICE_KEY: serviceKey } });
  });
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await t?.stop();
  });

  it('loses its lease, and a second process finishes the job on attempt 2 from the last checkpoint', async () => {
    const fs = await linearFeatureSet(t.client, 'crash', 2000);
    const env = {
      DATABASE_URL: t.databaseUrl,
      CITYML_HOST: '127.0.0.1',
      CITYML_PORT: '0',
      CITYML_METRICS_PORT: '0',
      CITYML_HTTP_PORT: '0',
      CITYML_LOG_LEVEL: 'info',
      CITYML_SERVICE_KEY: serviceKey,
      CITYML_PREPROCESSING_ADDRESS: t.address,
      CITYML_REGISTRY_ADDRESS: t.address,
      CITYML_TRAINING_LEASE_MS: '3000',
      CITYML_TRAINING_HEARTBEAT_MS: '500',
      CITYML_TRAINING_POLL_MS: '1000',
    };
    const first = await startTrainer(env);
    children.push(first.child);
    const a = new CityML({ address: first.address, apiKey: t.apiKey });
    const job = await a.training.submitJob({ featureSetId: fs.id, modelName: 'survivor', hyperparameters: { epochs: 12, batchSize: 16, seed: 5 } });
    let seen = job;
    while (seen.checkpointEpoch < 3) {
      await new Promise((r) => setTimeout(r, 50));
      seen = await a.training.getJob(job.id);
    }
    first.child.kill('SIGKILL');
    a.close();
    const killedAt = Date.now();
    const second = await startTrainer(env);
    children.push(second.child);
    const b = new CityML({ address: second.address, apiKey: t.apiKey });
    try {
      let resumed = await b.training.getJob(job.id);
      while (resumed.attempt < 2 && Date.now() - killedAt < 40_000) {
        await new Promise((r) => setTimeout(r, 100));
        resumed = await b.training.getJob(job.id);
      }
      expect(Date.now() - killedAt).toBeLessThan(30_000); // taken up again within 30 s
      const done = await waitEnded(b, job.id, 90_000);
      expect(done.error).toBe('');
      expect(done.state).toBe(JobState.JOB_STATE_DONE);
      expect(done.attempt).toBe(2);
      expect(done.resumedFromEpoch).toBeGreaterThanOrEqual(3);
      expect(done.resumedFromEpoch).toBeGreaterThanOrEqual(seen.checkpointEpoch);
      expect(done.history.map((h) => h.epoch)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
      expect(done.evaluation!.metrics.r2).toBeGreaterThan(0.9);
      expect((await t.client.registry.getModelVersion('survivor', done.modelVersion)).lineage?.jobId).toBe(job.id);
    } finally {
      b.close();
    }
  });
});
