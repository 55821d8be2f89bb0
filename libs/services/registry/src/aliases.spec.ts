import { status } from '@grpc/grpc-js';
import { encodeBundle, BUNDLE_FORMAT } from '@cityml/ml/bundle';
import { startTestPlatform, type TestPlatform } from '@cityml/platform/testing';
import type { RegistryClient } from '@cityml/sdk';

/** A minimal valid model bundle (no real model: the registry only reads its header). */
const tinyBundle = (n = 0) =>
  encodeBundle({ format: BUNDLE_FORMAT, modelTopology: {}, weightSpecs: [], weightData: new ArrayBuffer(0), signature: { inputs: [{ name: 'x', dtype: 'float32', shape: [-1, 1] }], outputKind: 'regression' }, metadata: { n } });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

jest.setTimeout(30_000);

describe('registry aliases', () => {
  let t: TestPlatform;
  let reg: RegistryClient;
  const artifacts: string[] = [];
  beforeAll(async () => {
    t = await startTestPlatform({ services: ['registry'] });
    reg = t.client.registry;
    await reg.createModel({ name: 'energy' });
    for (let i = 1; i <= 3; i++) {
      const { artifactId } = await reg.uploadArtifact(tinyBundle(i));
      artifacts.push(artifactId);
      await reg.createModelVersion({ modelName: 'energy', artifactId });
    }
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('swaps an alias atomically: concurrent readers always see exactly one whole version', async () => {
    await reg.setAlias('energy', 'production', 1);
    let stop = false;
    const seen = new Set<number>();
    const reader = async () => {
      let reads = 0;
      while (!stop || reads < 5) {
        const v = await reg.getVersionByAlias('energy', 'production');
        expect([1, 2]).toContain(v.version);
        expect(v.artifactId).toBe(artifacts[v.version - 1]);
        expect(v.aliases).toContain('production');
        seen.add(v.version);
        reads++;
      }
      return reads;
    };
    const readers = Array.from({ length: 3 }, reader);
    for (let i = 0; i < 12; i++) await reg.setAlias('energy', 'production', i % 2 === 0 ? 2 : 1);
    stop = true;
    const counts = await Promise.all(readers);
    expect(counts.every((n) => n >= 5)).toBe(true);
    expect(seen).toEqual(new Set([1, 2]));
    expect((await reg.getVersionByAlias('energy', 'production')).version).toBe(1);
    expect((await reg.getModel('energy')).aliases).toEqual({ production: 1 });
  });

  it('refuses a compare-and-set with a stale expected version, and only one of two racing promoters wins', async () => {
    await expect(reg.setAlias('energy', 'production', 3, { expectedVersion: 2 })).rejects.toMatchObject({ code: status.FAILED_PRECONDITION, message: expect.stringContaining('points at version 1') });
    expect((await reg.getVersionByAlias('energy', 'production')).version).toBe(1);
    const race = await Promise.allSettled([reg.setAlias('energy', 'production', 2, { expectedVersion: 1 }), reg.setAlias('energy', 'production', 3, { expectedVersion: 1 })]);
    const won = race.filter((r) => r.status === 'fulfilled');
    const lost = race.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(lost[0].reason).toMatchObject({ code: status.FAILED_PRECONDITION });
    const winner = (won[0] as PromiseFulfilledResult<{ version: number; previousVersion: number }>).value;
    expect(winner.previousVersion).toBe(1);
    expect((await reg.getVersionByAlias('energy', 'production')).version).toBe(winner.version);
    await expect(reg.setAlias('energy', 'staging', 1, { expectedVersion: 0 })).resolves.toMatchObject({ version: 1, previousVersion: 0 });
    await expect(reg.setAlias('energy', 'staging', 2, { expectedVersion: 0 })).rejects.toMatchObject({ code: status.FAILED_PRECONDITION });
  });

  it('answers which version an alias pointed at, at a point in time', async () => {
    await reg.createModel({ name: 'water' });
    for (let i = 0; i < 3; i++) await reg.createModelVersion({ modelName: 'water', artifactId: artifacts[i] });
    const before = new Date();
    await sleep(15);
    await reg.setAlias('water', 'production', 1);
    await sleep(15);
    const afterFirst = new Date();
    await sleep(15);
    await reg.setAlias('water', 'production', 2);
    await sleep(15);
    const afterSecond = new Date();
    await sleep(15);
    await reg.deleteAlias('water', 'production');
    const history = await reg.listAliasHistory('water', { alias: 'production' });
    expect(history.changes.map((c) => [c.fromVersion, c.toVersion])).toEqual([
      [2, 0],
      [1, 2],
      [0, 1],
    ]);
    expect(history.changes.every((c) => c.actor.length > 0 && c.time instanceof Date)).toBe(true);
    expect(await reg.versionAt('water', 'production', before)).toBe(0);
    expect(await reg.versionAt('water', 'production', afterFirst)).toBe(1);
    expect(await reg.versionAt('water', 'production', afterSecond)).toBe(2);
    expect(await reg.versionAt('water', 'production', new Date())).toBe(0);
    // The exact instant of a change already counts: it is stored at the API's millisecond precision.
    expect(await reg.versionAt('water', 'production', history.changes[1].time!)).toBe(2);
    await expect(reg.getVersionByAlias('water', 'production')).rejects.toMatchObject({ code: status.NOT_FOUND });
    await expect(reg.listAliasHistory('water', { at: new Date() })).rejects.toMatchObject({ code: status.INVALID_ARGUMENT });
    const page1 = await reg.listAliasHistory('water', { pageSize: 2 });
    const page2 = await reg.listAliasHistory('water', { pageSize: 2, pageToken: page1.nextPageToken });
    expect([...page1.changes, ...page2.changes].map((c) => c.toVersion)).toEqual([0, 2, 1]);
  });

  it('rolls an alias back to its version before the last change, and refuses when there is none', async () => {
    await reg.createModel({ name: 'parking' });
    for (let i = 0; i < 3; i++) await reg.createModelVersion({ modelName: 'parking', artifactId: artifacts[i] });
    await expect(reg.rollbackAlias('parking', 'production')).rejects.toMatchObject({ code: status.NOT_FOUND });
    await reg.setAlias('parking', 'production', 1);
    await expect(reg.rollbackAlias('parking', 'production')).rejects.toMatchObject({ code: status.FAILED_PRECONDITION });
    await reg.setAlias('parking', 'production', 3);
    await expect(reg.rollbackAlias('parking', 'production')).resolves.toMatchObject({ alias: 'production', version: 1, previousVersion: 3 });
    expect((await reg.getVersionByAlias('parking', 'production')).version).toBe(1);
    const last = (await reg.listAliasHistory('parking', { alias: 'production', pageSize: 1 })).changes[0];
    expect([last.fromVersion, last.toVersion]).toEqual([3, 1]);
    // A second rollback undoes the first.
    await expect(reg.rollbackAlias('parking', 'production')).resolves.toMatchObject({ version: 3, previousVersion: 1 });
  });

  it('lets a writer move ordinary aliases but only an admin move production', async () => {
    const writer = await t.createKey({ tenant: t.tenant, role: 'writer' });
    await expect(writer.client.registry.setAlias('energy', 'staging', 3)).resolves.toMatchObject({ version: 3 });
    await expect(writer.client.registry.setAlias('energy', 'production', 3)).rejects.toMatchObject({ code: status.PERMISSION_DENIED });
    await expect(writer.client.registry.rollbackAlias('energy', 'production')).rejects.toMatchObject({ code: status.PERMISSION_DENIED });
    const reader = await t.createKey({ tenant: t.tenant, role: 'reader' });
    await expect(reader.client.registry.getVersionByAlias('energy', 'staging')).resolves.toMatchObject({ version: 3 });
    await expect(reader.client.registry.setAlias('energy', 'staging', 1)).rejects.toMatchObject({ code: status.PERMISSION_DENIED });
    const history = await reg.listAliasHistory('energy', { alias: 'staging', pageSize: 1 });
    expect(history.changes[0]).toMatchObject({ toVersion: 3, actor: writer.id });
  });

  it('keeps aliases of other tenants apart', async () => {
    const other = await t.newTenant();
    await expect(other.client.registry.getModel('energy')).rejects.toMatchObject({ code: status.NOT_FOUND });
    await other.client.registry.createModel({ name: 'energy' });
    await expect(other.client.registry.getVersionByAlias('energy', 'production')).rejects.toMatchObject({ code: status.NOT_FOUND });
    expect((await other.client.registry.listModels()).models.map((m) => m.name)).toEqual(['energy']);
    expect((await reg.getModel('energy')).aliases.production).toBeGreaterThan(1);
  });
});
