import { status } from '@grpc/grpc-js';
import { encodeBundle, BUNDLE_FORMAT } from '@cityml/ml/bundle';
import { startTestPlatform, type TestPlatform } from '@cityml/platform/testing';
import { ModelVersionStatus, type RegistryClient } from '@cityml/sdk';

/** A minimal valid model bundle (no real model: the registry only reads its header). */
const tinyBundle = (n = 0) =>
  encodeBundle({ format: BUNDLE_FORMAT, modelTopology: {}, weightSpecs: [], weightData: new ArrayBuffer(0), signature: { inputs: [{ name: 'x', dtype: 'float32', shape: [-1, 1] }], outputKind: 'regression' }, metadata: { n } });

jest.setTimeout(30_000);

describe('registry models and versions', () => {
  let t: TestPlatform;
  let reg: RegistryClient;
  let artifactId: string;
  beforeAll(async () => {
    t = await startTestPlatform({ services: ['registry'] });
    reg = t.client.registry;
    artifactId = (await reg.uploadArtifact(tinyBundle())).artifactId;
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('numbers versions created concurrently 1..N, unique and consecutive', async () => {
    await reg.createModel({ name: 'traffic', description: 'counts', tags: { team: 'roads' } });
    const created = await Promise.all(Array.from({ length: 16 }, (_, i) => reg.createModelVersion({ modelName: 'traffic', artifactId, tags: { i: String(i) } })));
    expect(created.map((v) => v.version).sort((a, b) => a - b)).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
    expect((await reg.getModel('traffic')).latestVersion).toBe(16);
  });

  it('records the artifact sha256 and size and defaults a version with an artifact to READY', async () => {
    const v = await reg.getModelVersion('traffic', 1);
    expect(v).toMatchObject({ artifactId, artifactSha256: artifactId, artifactSize: tinyBundle().length, formatVersion: BUNDLE_FORMAT, status: ModelVersionStatus.MODEL_VERSION_STATUS_READY, source: 'trained' });
    expect(v.createTime).toBeInstanceOf(Date);
  });

  it('refuses an artifact that is not a model bundle, and takes the signature from the bundle when the request has none', async () => {
    const junk = await reg.uploadArtifact(Buffer.from('not a bundle'));
    await expect(reg.createModelVersion({ modelName: 'traffic', artifactId: junk.artifactId })).rejects.toMatchObject({ code: status.INVALID_ARGUMENT, message: expect.stringContaining('not a CityML model bundle') });
    await expect(reg.createModelVersion({ modelName: 'traffic', artifactId, formatVersion: 'cityml.model.v0' })).rejects.toMatchObject({ code: status.INVALID_ARGUMENT });
    const v = await reg.getModelVersion('traffic', 2);
    expect(v.signature).toMatchObject({ inputs: [{ name: 'x', dtype: 'float32', shape: [-1, 1] }], outputKind: 1 });
    expect((await reg.getModel('traffic')).latestVersion).toBe(16);
  });

  it('refuses a duplicate model name with ALREADY_EXISTS and an unknown artifact with NOT_FOUND', async () => {
    await expect(reg.createModel({ name: 'traffic' })).rejects.toMatchObject({ code: status.ALREADY_EXISTS });
    await expect(reg.createModelVersion({ modelName: 'traffic', artifactId: 'f'.repeat(64) })).rejects.toMatchObject({ code: status.NOT_FOUND });
    await expect(reg.createModelVersion({ modelName: 'nope', artifactId })).rejects.toMatchObject({ code: status.NOT_FOUND });
    await expect(reg.createModel({ name: 'bad name!' })).rejects.toMatchObject({ code: status.INVALID_ARGUMENT });
  });

  it('creates the model on first version with create_model and keeps lineage, metrics and hyperparameters', async () => {
    const v = await reg.createModelVersion({
      modelName: 'air',
      createModel: true,
      artifactId,
      evaluation: { primaryMetric: 'rmse', metrics: { rmse: 2.5, mae: 1.5 } },
      hyperparameters: { epochs: '10' },
      lineage: { dataset: 'air-quality', datasetVersion: 3, featureSetId: 'fs1', jobId: 'job1' },
      signature: { inputs: [{ name: 'x', dtype: 'float32', shape: [-1, 3] }], outputKind: 1 },
    });
    expect(v.version).toBe(1);
    const got = await reg.getModelVersion('air', 1);
    expect(got.evaluation?.metrics).toEqual({ rmse: 2.5, mae: 1.5 });
    expect(got.lineage).toEqual({ dataset: 'air-quality', datasetVersion: 3, featureSetId: 'fs1', jobId: 'job1' });
    expect(got.hyperparameters).toEqual({ epochs: '10' });
    expect(got.signature?.inputs[0].shape).toEqual([-1, 3]);
  });

  it('searches versions by metric threshold, tag and alias, paginated', async () => {
    for (const rmse of [4, 3, 1]) await reg.createModelVersion({ modelName: 'air', artifactId, evaluation: { metrics: { rmse } }, tags: { good: rmse < 3 ? 'yes' : 'no' } });
    const good = await reg.listModelVersions({ modelName: 'air', metrics: [{ metric: 'rmse', op: '<', value: 3 }] });
    expect(good.versions.map((v) => v.version)).toEqual([4, 1]);
    expect((await reg.listModelVersions({ modelName: 'air', tag: 'good=yes' })).versions.map((v) => v.version)).toEqual([4]);
    await reg.setAlias('air', 'production', 2);
    expect((await reg.listModelVersions({ modelName: 'air', alias: 'production' })).versions.map((v) => v.version)).toEqual([2]);
    const seen: number[] = [];
    let pageToken = '';
    do {
      const page = await reg.listModelVersions({ modelName: 'air', pageSize: 3, pageToken });
      expect(page.versions.length).toBeLessThanOrEqual(3);
      seen.push(...page.versions.map((v) => v.version));
      pageToken = page.nextPageToken;
    } while (pageToken);
    expect(seen).toEqual([4, 3, 2, 1]);
    await expect(reg.listModelVersions({ modelName: 'air', metrics: [{ metric: 'rmse', op: '!=', value: 1 }] })).rejects.toMatchObject({ code: status.INVALID_ARGUMENT });
    await expect(reg.listModelVersions({ modelName: 'air', pageToken: 'garbage' })).rejects.toMatchObject({ code: status.INVALID_ARGUMENT });
  });

  it('searches models by name prefix, tag and alias, paginated', async () => {
    await reg.createModel({ name: 'traffic-north', tags: { team: 'roads' } });
    expect((await reg.listModels({ namePrefix: 'traffic' })).models.map((m) => m.name)).toEqual(['traffic', 'traffic-north']);
    expect((await reg.listModels({ tag: 'team=roads' })).models.map((m) => m.name)).toEqual(['traffic', 'traffic-north']);
    expect((await reg.listModels({ tag: 'team' })).models.map((m) => m.name)).toEqual(['traffic', 'traffic-north']);
    const withAlias = await reg.listModels({ alias: 'production' });
    expect(withAlias.models.map((m) => [m.name, m.aliases])).toEqual([['air', { production: 2 }]]);
    expect(withAlias.models[0].updateTime!.getTime()).toBeGreaterThanOrEqual(withAlias.models[0].createTime!.getTime());
    const first = await reg.listModels({ pageSize: 2 });
    expect(first.models.map((m) => m.name)).toEqual(['air', 'traffic']);
    const second = await reg.listModels({ pageSize: 2, pageToken: first.nextPageToken });
    expect(second.models.map((m) => m.name)).toEqual(['traffic-north']);
    expect(second.nextPageToken).toBe('');
    const all: string[] = [];
    for await (const m of reg.iterateModels({ pageSize: 1 })) all.push(m.name);
    expect(all).toEqual(['air', 'traffic', 'traffic-north']);
  });

  it('moves a PENDING version to READY or FAILED once, and refuses READY without an artifact', async () => {
    const pending = await reg.createModelVersion({ modelName: 'traffic-north' });
    expect(pending.status).toBe(ModelVersionStatus.MODEL_VERSION_STATUS_PENDING);
    await expect(reg.updateModelVersionStatus('traffic-north', pending.version, ModelVersionStatus.MODEL_VERSION_STATUS_READY)).rejects.toMatchObject({ code: status.FAILED_PRECONDITION });
    const failed = await reg.updateModelVersionStatus('traffic-north', pending.version, ModelVersionStatus.MODEL_VERSION_STATUS_FAILED, 'diverged');
    expect(failed).toMatchObject({ status: ModelVersionStatus.MODEL_VERSION_STATUS_FAILED, statusMessage: 'diverged' });
    await expect(reg.updateModelVersionStatus('traffic-north', pending.version, ModelVersionStatus.MODEL_VERSION_STATUS_READY)).rejects.toMatchObject({ code: status.FAILED_PRECONDITION });
    await expect(reg.setAlias('traffic-north', 'production', pending.version)).rejects.toMatchObject({ code: status.FAILED_PRECONDITION });

    // A version registered before its training finished gets its bundle when it becomes READY.
    const later = await reg.createModelVersion({ modelName: 'traffic-north', lineage: { jobId: 'j9' } });
    const ready = await reg.updateModelVersionStatus('traffic-north', later.version, ModelVersionStatus.MODEL_VERSION_STATUS_READY, '', { artifactId });
    expect(ready).toMatchObject({ status: ModelVersionStatus.MODEL_VERSION_STATUS_READY, artifactId, artifactSize: tinyBundle().length, formatVersion: BUNDLE_FORMAT });
    expect(ready.signature?.inputs[0].name).toBe('x');
    await expect(reg.setAlias('traffic-north', 'production', later.version)).resolves.toMatchObject({ version: later.version });
  });

  it('refuses to archive an aliased version, and archives it once the alias moved', async () => {
    await expect(reg.archiveModelVersion('air', 2)).rejects.toMatchObject({ code: status.FAILED_PRECONDITION, message: expect.stringContaining('production') });
    expect((await reg.getModelVersion('air', 2)).archived).toBe(false);
    await reg.setAlias('air', 'production', 1);
    const archived = await reg.archiveModelVersion('air', 2);
    expect(archived.archived).toBe(true);
    expect((await reg.listModelVersions({ modelName: 'air' })).versions.map((v) => v.version)).toEqual([4, 3, 1]);
    expect((await reg.listModelVersions({ modelName: 'air', includeArchived: true })).versions.map((v) => v.version)).toEqual([4, 3, 2, 1]);
    await expect(reg.setAlias('air', 'staging', 2)).rejects.toMatchObject({ code: status.FAILED_PRECONDITION });
  });

  it('publishes a bundle as a version in one call and fetches it back by alias (the SDK calls of training and inference)', async () => {
    const bundle = tinyBundle(42);
    const v = await reg.publishModelVersion(bundle, { modelName: 'published', createModel: true, lineage: { jobId: 'job-42' } });
    expect(v).toMatchObject({ version: 1, artifactSize: bundle.length, status: ModelVersionStatus.MODEL_VERSION_STATUS_READY });
    await reg.setAlias('published', 'champion', 1);
    const fetched = await reg.fetchModelBundle('published', { alias: 'champion' });
    expect(fetched.version.lineage?.jobId).toBe('job-42');
    expect(fetched.bundle.equals(bundle)).toBe(true);
  });
});
