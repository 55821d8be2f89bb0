import { BUNDLE_FORMAT, encodeBundle } from '@cityml/ml/bundle';
import { startTestPlatform, type TestKey, type TestPlatform } from '@cityml/platform/testing';
import type { CityMLClientError } from '@cityml/sdk';

const outcome = (p: Promise<unknown>) => p.then(() => 'OK', (e: CityMLClientError) => e.codeName);
const tinyBundle = (n: number) =>
  encodeBundle({ format: BUNDLE_FORMAT, modelTopology: {}, weightSpecs: [], weightData: new ArrayBuffer(0), signature: { inputs: [{ name: 'x', dtype: 'float32', shape: [-1, 1] }], outputKind: 'regression' }, metadata: { n } });

describe('the protected production alias', () => {
  let t: TestPlatform;
  let writer: TestKey;
  beforeAll(async () => {
    t = await startTestPlatform({ services: ['registry'] });
    writer = await t.createKey({ tenant: 'default', role: 'writer' });
    await t.client.registry.createModel({ name: 'energy' });
    for (let i = 1; i <= 2; i++) {
      const { artifactId } = await t.client.registry.uploadArtifact(tinyBundle(i));
      await t.client.registry.createModelVersion({ modelName: 'energy', artifactId });
    }
  }, 30_000);
  afterAll(async () => {
    await t?.stop();
  });

  it('lets a writer move an ordinary alias', async () => {
    expect(await outcome(writer.client.registry.setAlias('energy', 'staging', 1))).toBe('OK');
    expect(await outcome(writer.client.registry.deleteAlias('energy', 'staging'))).toBe('OK');
  });

  it('answers PERMISSION_DENIED when a writer sets, deletes or rolls back production, in any case', async () => {
    expect(await outcome(writer.client.registry.setAlias('energy', 'production', 1))).toBe('PERMISSION_DENIED');
    expect(await outcome(writer.client.registry.setAlias('energy', 'PRODUCTION', 1))).toBe('PERMISSION_DENIED');
    await t.client.registry.setAlias('energy', 'production', 1);
    await t.client.registry.setAlias('energy', 'production', 2);
    expect(await outcome(writer.client.registry.rollbackAlias('energy', 'production'))).toBe('PERMISSION_DENIED');
    expect(await outcome(writer.client.registry.deleteAlias('energy', 'production'))).toBe('PERMISSION_DENIED');
    expect((await t.client.registry.getVersionByAlias('energy', 'production')).version).toBe(2);
  });

  it('lets an admin move it', async () => {
    expect(await outcome(t.client.registry.rollbackAlias('energy', 'production'))).toBe('OK');
    expect((await writer.client.registry.getVersionByAlias('energy', 'production')).version).toBe(1);
  });
});
