import { createDb } from '@cityml/db';
import { startPlatform, type Platform } from '@cityml/platform';
import { startTestPlatform, type TestPlatform } from '@cityml/platform/testing';
import { preprocessing as pb } from '@cityml/proto';
import { createLogger, loadConfig } from '@cityml/runtime';
import { CityML } from '@cityml/sdk';
import { createDataset, trafficRows } from './testing/datasets';
import { rowBatch } from './testing/rows';

jest.setTimeout(60_000);

/**
 * Feature sets survive restarts: a replica that dies mid-run leaves its feature set RUNNING
 * with a lease that runs out; the next preprocessing process to start claims it and
 * finishes it. Ingestion runs in its own process (the test platform); preprocessing
 * replicas are separate platforms over the same database.
 */
let ingestionHost: TestPlatform;
beforeAll(async () => {
  ingestionHost = await startTestPlatform({ services: ['ingestion'] });
  await createDataset(ingestionHost.client, 'traffic', rowBatch(trafficRows(2, 200) as never), { timeColumn: 'ts' });
});
afterAll(() => ingestionHost.stop());

async function preprocessingReplica(): Promise<{ platform: Platform; client: CityML; stop(): Promise<void> }> {
  const config = loadConfig(
    { CITYML_HOST: '127.0.0.1', CITYML_PORT: '0', CITYML_METRICS_PORT: '0', CITYML_HTTP_PORT: '0', DATABASE_URL: ingestionHost.databaseUrl, CITYML_LOG_LEVEL: 'silent', CITYML_INGESTION_ADDRESS: ingestionHost.address, CITYML_RATE_LIMIT_RPS: '0', ...(ingestionHost.serviceKey ? { CITYML_SERVICE_KEY: ingestionHost.serviceKey } : {}) },
    { services: ['preprocessing'] },
  );
  const db = createDb(ingestionHost.databaseUrl, { name: 'replica' });
  const platform = await startPlatform(config, createLogger({ level: 'silent' }), { url: ingestionHost.databaseUrl, db, embedded: false, close: () => db.end({ timeout: 5 }) });
  const client = new CityML({ address: platform.address, apiKey: ingestionHost.apiKey });
  return {
    platform,
    client,
    async stop() {
      client.close();
      await platform.stop('test');
      await db.end({ timeout: 5 });
    },
  };
}

const spec = { target: 'flow', task: 'regression', features: [{ column: 'speed', steps: [{ impute: 'mean' }, 'standardize'] }] };

it('a feature set left RUNNING by a replica that died is picked up and finished by the next one to start', async () => {
  const first = await preprocessingReplica();
  const created = await first.client.preprocessing.createFeatureSet({ dataset: 'traffic', spec });
  const id = created.featureSet?.id as string;
  await first.client.preprocessing.waitForFeatureSet(id);
  await first.stop();

  // The replica "dies" mid-run: the row is RUNNING under its name, without a result.
  const sql = createDb(ingestionHost.databaseUrl, { max: 1 });
  await sql`update preprocessing.feature_sets set state = 'RUNNING', progress = 0.3, result = null, lease_owner = 'dead-replica',
    lease_until = now() - interval '1 second' where id = ${id}`;
  const second = await preprocessingReplica();
  try {
    const fs = await second.client.preprocessing.waitForFeatureSet(id);
    expect(fs.state).toBe(pb.FeatureSetState.FEATURE_SET_STATE_READY);
    expect(fs.train?.rows).toBeGreaterThan(0);
    const [row] = await sql<{ attempts: number; lease_owner: string | null }[]>`select attempts, lease_owner from preprocessing.feature_sets where id = ${id}`;
    expect(row.attempts).toBe(2);
    expect(row.lease_owner).toBeNull();
  } finally {
    await second.stop();
    await sql.end();
  }
});

it('a replica that shuts down gives its claim back, and another replica finishes the feature set', async () => {
  const first = await preprocessingReplica();
  const res = await first.client.preprocessing.createFeatureSet({ dataset: 'traffic', spec: { ...spec, split: { random: { seed: 99 } } } });
  const id = res.featureSet?.id as string;
  await first.stop(); // whether it had started or not, nothing stays claimed by a stopped replica
  const sql = createDb(ingestionHost.databaseUrl, { max: 1 });
  const [row] = await sql<{ state: string; lease_owner: string | null }[]>`select state, lease_owner from preprocessing.feature_sets where id = ${id}`;
  expect(['PENDING', 'READY']).toContain(row.state);
  expect(row.lease_owner).toBeNull();
  await sql.end();
  const second = await preprocessingReplica();
  try {
    expect((await second.client.preprocessing.waitForFeatureSet(id)).state).toBe(pb.FeatureSetState.FEATURE_SET_STATE_READY);
  } finally {
    await second.stop();
  }
});
