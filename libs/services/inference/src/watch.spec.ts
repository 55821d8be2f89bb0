import { createTestDatabase } from '@cityml/db/testing';
import { createLogger, loadConfig } from '@cityml/runtime';
import { CityML } from '@cityml/sdk';
import { startPlatform, type Platform } from '@cityml/platform';
import { startTestPlatform, type TestPlatform } from '@cityml/platform/testing';
import { publish, regressionModel, rowBatch } from './test-models';

jest.setTimeout(60_000);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('following the registry', () => {
  let db: { url: string; drop(): Promise<void> };
  const registries: Platform[] = [];
  let inf: TestPlatform | undefined;
  let admin: CityML | undefined;
  const log = createLogger({ level: 'silent', pretty: false });
  const registry = async (port = 0) => {
    const p = await startPlatform(loadConfig({ CITYML_HOST: '127.0.0.1', CITYML_PORT: String(port), CITYML_METRICS_PORT: '0', CITYML_HTTP_PORT: '0', DATABASE_URL: db.url, CITYML_LOG_LEVEL: 'silent', CITYML_AUTH: 'off', CITYML_SERVICES: 'registry' }), log);
    registries.push(p);
    return p;
  };

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    admin?.close();
    await inf?.stop();
    for (const r of registries) await r.stop().catch(() => undefined);
    await db?.drop();
  });

  it('resumes WatchModels after the registry it follows restarts, and applies the alias move it missed', async () => {
    const [r1, r2] = [await registry(), await registry()];
    admin = new CityML({ address: r2.address });
    const [v1, v2] = await Promise.all([regressionModel(1), regressionModel(9)]);
    await publish(admin, 'follow', v1, { alias: 'production' });
    inf = await startTestPlatform({ services: ['inference'], env: { CITYML_AUTH: 'off', CITYML_REGISTRY_ADDRESS: r1.address } });
    const rows = rowBatch([{ speed: 33, lane: 'east' }], v1.schema);
    const predict = () => inf!.client.inference.predict('follow', rows, { deadlineMs: 5_000 });
    expect((await predict()).modelVersion).toBe(1);
    await sleep(300);
    const port = r1.server.port;
    await r1.stop('restart');
    // the move happens through the other registry replica while the followed one is down
    await publish(admin, 'follow', v2, { alias: 'production' });
    expect((await predict()).modelVersion).toBe(1);
    await registry(port);
    let version = 1;
    for (let i = 0; i < 150 && version !== 2; i++) {
      version = (await predict()).modelVersion;
      if (version !== 2) await sleep(100);
    }
    expect(version).toBe(2);
  });
});
