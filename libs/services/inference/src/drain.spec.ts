import { inference } from '@cityml/proto';
import { startTestPlatform, type TestPlatform } from '@cityml/platform/testing';
import { importedModel, publish, rowBatch, type TestModel } from './test-models';

jest.setTimeout(30_000);

describe('a PredictStream open while the server drains', () => {
  let t: TestPlatform;
  let imp: TestModel;

  beforeAll(async () => {
    t = await startTestPlatform({ services: ['registry', 'inference'], env: { CITYML_AUTH: 'off', CITYML_SHUTDOWN_TIMEOUT_MS: '10000' } });
    imp = await importedModel();
    await publish(t.client, 'feed', imp, { alias: 'production' });
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('gets the answers due and then ends with OK, without the client closing it', async () => {
    const stream = t.client.inference.raw.predictStream();
    const got: inference.PredictStreamResponse[] = [];
    let first: () => void;
    const answered = new Promise<void>((r) => (first = r));
    const ended = new Promise<number>((resolve, reject) => {
      stream.on('data', (m: inference.PredictStreamResponse) => (got.push(m), first()));
      stream.on('status', (s: { code: number }) => resolve(s.code));
      stream.on('error', reject);
    });
    stream.write({ request: inference.PredictRequest.fromPartial({ modelName: 'feed', rows: rowBatch([{ a: 1, b: 1 }], imp.schema) }) });
    await answered;
    const t0 = Date.now();
    const stopping = t.platform.stop('test drain');
    expect(await ended).toBe(0);
    expect(Date.now() - t0).toBeLessThan(5_000);
    await stopping;
    expect(got).toHaveLength(1);
    expect(got[0].response?.values[0]).toBeCloseTo(2, 5);
  });
});
