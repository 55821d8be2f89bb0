import { startPlatform, type Platform } from '@cityml/platform';
import { createTestDatabase } from '@cityml/db/testing';
import { createLogger, loadConfig } from '@cityml/runtime';
import { CityML, JobState } from '@cityml/sdk';
import { linearFeatureSet, waitEnded } from './testing/fixtures';

jest.setTimeout(120_000);

describe('a restart of the whole platform', () => {
  it('keeps a running job: it goes back to the queue on shutdown and resumes from its checkpoint', async () => {
    const database = await createTestDatabase();
    const config = loadConfig(
      { CITYML_HOST: '127.0.0.1', CITYML_PORT: '0', CITYML_METRICS_PORT: '0', CITYML_HTTP_PORT: '0', CITYML_AUTH: 'off', DATABASE_URL: database.url, CITYML_LOG_LEVEL: 'silent' },
      { services: ['ingestion', 'preprocessing', 'registry', 'training'] },
    );
    const log = createLogger({ level: 'silent', pretty: false });
    let platform: Platform | undefined;
    let client: CityML | undefined;
    try {
      platform = await startPlatform(config, log);
      client = new CityML({ address: platform.address });
      const fs = await linearFeatureSet(client, 'restart', 1500);
      const job = await client.training.submitJob({ featureSetId: fs.id, modelName: 'restarted', hyperparameters: { epochs: 20, batchSize: 16, seed: 2 } });
      let seen = job;
      while (seen.checkpointEpoch < 2) {
        await new Promise((r) => setTimeout(r, 50));
        seen = await client.training.getJob(job.id);
      }
      client.close();
      await platform.stop('restart');
      platform = await startPlatform(config, log);
      client = new CityML({ address: platform.address });
      const done = await waitEnded(client, job.id, 90_000);
      expect(done.error).toBe('');
      expect(done.state).toBe(JobState.JOB_STATE_DONE);
      expect(done.attempt).toBe(1); // a graceful shutdown does not spend an attempt
      expect(done.resumedFromEpoch).toBeGreaterThanOrEqual(2);
      expect(done.history.map((h) => h.epoch)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    } finally {
      client?.close();
      await platform?.stop('test done');
      await database.drop();
    }
  });
});
