import { status } from '@grpc/grpc-js';
import { startTestPlatform, type TestPlatform } from '@cityml/platform/testing';
import { inferenceInstances } from './index';
import { importedModel, publish, type TestModel } from './test-models';

jest.setTimeout(30_000);

describe('inference with authentication on', () => {
  let t: TestPlatform;
  let imp: TestModel;
  let http: string;
  const rows = [{ a: 2, b: 1 }];

  beforeAll(async () => {
    t = await startTestPlatform({ services: ['registry', 'inference'] });
    imp = await importedModel();
    await publish(t.client, 'secure', imp, { alias: 'production' });
    http = `http://127.0.0.1:${inferenceInstances()[0].httpPort}`;
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('reads the model from the registry as the caller\'s tenant', async () => {
    const res = await t.client.inference.predict('secure', rows);
    expect(res.values[0]).toBeCloseTo(4, 5);
    const other = await t.newTenant();
    await expect(other.client.inference.predict('secure', rows)).rejects.toMatchObject({ code: status.NOT_FOUND });
    await expect(t.clientWith({ apiKey: undefined }).inference.predict('secure', rows)).rejects.toMatchObject({ code: status.UNAUTHENTICATED });
  });

  it('checks the API key on the HTTP/JSON binding too', async () => {
    const body = JSON.stringify({ inputs: [{ name: 'a', datatype: 'FP64', shape: [1], data: [2] }, { name: 'b', datatype: 'FP64', shape: [1], data: [1] }] });
    const anonymous = await fetch(`${http}/v2/models/secure/infer`, { method: 'POST', body });
    expect(anonymous.status).toBe(401);
    const ok = await fetch(`${http}/v2/models/secure/infer`, { method: 'POST', body, headers: { authorization: `Bearer ${t.apiKey}` } });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { outputs: { data: number[] }[] }).outputs[0].data[0]).toBeCloseTo(4, 5);
  });
});
