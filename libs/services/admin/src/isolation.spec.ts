import { startTestPlatform, type TestKey, type TestPlatform } from '@cityml/platform/testing';
import { Client, credentials, Metadata, status, type ServiceError } from '@grpc/grpc-js';
import * as proto from '@cityml/proto';
import { common, inference, ingestion, oip, preprocessing, registry, training } from '@cityml/proto';
import { allRpcs } from '@cityml/runtime';
import { rowBatchFromRecords } from '@cityml/sdk';

jest.setTimeout(120_000);

type MethodDef = { path: string; requestStream: boolean; responseStream: boolean; requestSerialize: (v: never) => Buffer; responseDeserialize: (b: Buffer) => unknown };

/** The generated definition of an RPC, by path. */
function definition(path: string): MethodDef {
  for (const ns of Object.values(proto)) {
    for (const def of Object.values(ns as Record<string, unknown>)) {
      if (typeof def !== 'object' || def === null) continue;
      for (const m of Object.values(def as Record<string, MethodDef>)) if (m?.path === path) return m;
    }
  }
  throw new Error(`no RPC ${path}`);
}

/** Calls `path` with `requests` (one for unary and server streams) as the holder of `key`; returns the status and any responses. */
function invoke(address: string, key: string, path: string, requests: object[]): Promise<{ code: number; responses: unknown[] }> {
  const def = definition(path);
  const client = new Client(address, credentials.createInsecure());
  const md = new Metadata();
  md.set('authorization', `Bearer ${key}`);
  const ser = (v: object) => def.requestSerialize(v as never);
  const opts = { deadline: new Date(Date.now() + 5000) };
  const responses: unknown[] = [];
  return new Promise((resolve) => {
    const done = (err: ServiceError | null) => {
      client.close();
      resolve({ code: err ? err.code : status.OK, responses });
    };
    if (!def.requestStream && !def.responseStream) {
      client.makeUnaryRequest(path, ser, def.responseDeserialize, requests[0], md, opts, (err, res) => (res && responses.push(res), done(err)));
    } else if (def.requestStream && !def.responseStream) {
      const call = client.makeClientStreamRequest(path, ser, def.responseDeserialize, md, opts, (err, res) => (res && responses.push(res), done(err)));
      for (const r of requests) call.write(r);
      call.end();
    } else {
      let call;
      if (def.requestStream) {
        const duplex = client.makeBidiStreamRequest(path, ser, def.responseDeserialize, md, opts);
        for (const r of requests) duplex.write(r);
        duplex.end();
        call = duplex;
      } else call = client.makeServerStreamRequest(path, ser, def.responseDeserialize, requests[0], md, opts);
      call.on('data', (m: unknown) => {
        responses.push(m);
        if (def.requestStream && responses.length === requests.length) call.cancel(); // one answer per request: done
      });
      call.on('error', (err: ServiceError) => done(err.code === status.CANCELLED && responses.length === requests.length ? null : err));
      call.on('end', () => done(null));
    }
  });
}

const T = common.ColumnType;
const SCHEMA: common.Schema = {
  columns: ['x1', 'x2', 'y'].map((name) => ({ name, type: T.COLUMN_TYPE_NUMBER, nullable: false, description: '' })),
  timeColumn: '',
  timeZone: '',
};
const RECORDS = Array.from({ length: 200 }, (_, i) => ({ x1: (i % 17) / 4, x2: (i % 5) / 2, y: (i % 17) / 2 - (i % 5) }));
const ROWS = common.RowBatch.fromPartial(rowBatchFromRecords(SCHEMA, RECORDS.slice(0, 3)) as common.RowBatch);
const SPEC = preprocessing.FeatureSpec.fromPartial({
  target: 'y',
  task: preprocessing.Task.TASK_REGRESSION,
  features: [{ column: 'x1', steps: [{ standardize: {} }] }, { column: 'x2', steps: [{ standardize: {} }] }],
  split: { random: { validationFraction: 0.2, testFraction: 0.2, seed: 1 } },
});

const I = '/cityml.ingestion.v1.IngestionService/';
const P = '/cityml.preprocessing.v1.PreprocessingService/';
const TR = '/cityml.training.v1.TrainingService/';
const R = '/cityml.registry.v1.RegistryService/';
const INF = '/cityml.inference.v1.InferenceService/';
const OIP = '/inference.GRPCInferenceService/';

/** RPCs that name no resource of another tenant, so they have no cross-tenant case (they act in the caller's own tenant). */
const NO_FOREIGN_RESOURCE: Record<string, string> = {
  [`${I}InferSchema`]: 'works on the sample in the request',
  [`${I}CreateDataset`]: 'creates in the caller\'s tenant (checked: the same name is free in B)',
  [`${R}CreateModel`]: 'creates in the caller\'s tenant (checked: the same name is free in B)',
  [`${R}UploadArtifact`]: 'stores a new artifact of the caller\'s tenant',
  [`${R}ImportModelVersion`]: 'imports into the caller\'s own model of that name',
  [`${OIP}ServerLive`]: 'server-wide',
  [`${OIP}ServerReady`]: 'server-wide',
  [`${OIP}ServerMetadata`]: 'server-wide',
};

describe('tenant isolation across every service', () => {
  let t: TestPlatform;
  let b: TestKey;
  const a = { dataset: 'traffic', model: 'traffic-model', featureSet: '', job: '', artifact: '' };

  beforeAll(async () => {
    t = await startTestPlatform();
    const c = t.client;
    await c.ingestion.createDataset({ name: a.dataset, schema: SCHEMA });
    await c.ingestion.ingest(a.dataset, [rowBatchFromRecords(SCHEMA, RECORDS)]);
    const fs = await c.preprocessing.createFeatureSet({ dataset: a.dataset, spec: SPEC });
    a.featureSet = (await c.preprocessing.waitForFeatureSet(fs.featureSet!.id)).id;
    const job = await c.training.submitJob({ featureSetId: a.featureSet, modelName: a.model, model: { hiddenUnits: [4] }, hyperparameters: { epochs: 2, seed: 1 } });
    a.job = job.id;
    for (let end = Date.now() + 60_000; (await c.training.getJob(a.job)).state < 3; ) {
      if (Date.now() > end) throw new Error('training did not end');
      await new Promise((r) => setTimeout(r, 100));
    }
    const version = await c.registry.getModelVersion(a.model, 1);
    a.artifact = version.artifactId;
    await c.registry.setAlias(a.model, 'production', 1);
    await c.registry.setAlias(a.model, 'staging', 1);
    const pred = await invoke(t.address, t.apiKey, `${INF}Predict`, [inference.PredictRequest.fromPartial({ modelName: a.model, alias: 'production', rows: ROWS })]);
    expect(pred.code).toBe(status.OK); // A's model is loaded in the inference cache
    b = await t.newTenant({ name: 'environment', role: 'admin' });
  });
  afterAll(async () => {
    await t?.stop();
  });

  /** Every call tenant B makes on A's resources, each expected to be NOT_FOUND. */
  const cases = (): [string, object[]][] => [
    [`${I}GetDataset`, [ingestion.GetDatasetRequest.fromPartial({ name: a.dataset })]],
    [`${I}DeleteDataset`, [ingestion.DeleteDatasetRequest.fromPartial({ name: a.dataset })]],
    [`${I}IngestRows`, [ingestion.IngestRowsRequest.fromPartial({ dataset: a.dataset, batchId: 'b-1', rows: ROWS })]],
    [`${I}ReadRows`, [ingestion.ReadRowsRequest.fromPartial({ dataset: a.dataset, version: 1 })]],
    [`${I}ListVersions`, [ingestion.ListVersionsRequest.fromPartial({ dataset: a.dataset })]],
    [`${I}GetStatistics`, [ingestion.GetStatisticsRequest.fromPartial({ dataset: a.dataset, version: 1 })]],
    [`${I}CompareVersions`, [ingestion.CompareVersionsRequest.fromPartial({ dataset: a.dataset, baseVersion: 1, targetVersion: 1 })]],
    [`${I}ListQuarantine`, [ingestion.ListQuarantineRequest.fromPartial({ dataset: a.dataset, version: 1 })]],
    [`${P}CreateFeatureSet`, [preprocessing.CreateFeatureSetRequest.fromPartial({ dataset: a.dataset, spec: SPEC })]],
    [`${P}GetFeatureSet`, [preprocessing.GetFeatureSetRequest.fromPartial({ id: a.featureSet })]],
    [`${P}WatchFeatureSet`, [preprocessing.WatchFeatureSetRequest.fromPartial({ id: a.featureSet })]],
    [`${P}PreviewTransform`, [preprocessing.PreviewTransformRequest.fromPartial({ dataset: a.dataset, spec: SPEC, limit: 3 })]],
    [`${TR}SubmitJob`, [training.SubmitJobRequest.fromPartial({ featureSetId: a.featureSet, modelName: 'stolen', hyperparameters: { epochs: 1 } })]],
    [`${TR}GetJob`, [training.GetJobRequest.fromPartial({ id: a.job })]],
    [`${TR}CancelJob`, [training.CancelJobRequest.fromPartial({ id: a.job })]],
    [`${TR}WatchJob`, [training.WatchJobRequest.fromPartial({ id: a.job })]],
    [`${R}GetModel`, [registry.GetModelRequest.fromPartial({ name: a.model })]],
    [`${R}CreateModelVersion`, [registry.CreateModelVersionRequest.fromPartial({ modelName: a.model, artifactId: a.artifact })]],
    [`${R}GetModelVersion`, [registry.GetModelVersionRequest.fromPartial({ modelName: a.model, version: 1 })]],
    [`${R}ListModelVersions`, [registry.ListModelVersionsRequest.fromPartial({ modelName: a.model })]],
    [`${R}UpdateModelVersionStatus`, [registry.UpdateModelVersionStatusRequest.fromPartial({ modelName: a.model, version: 1, status: registry.ModelVersionStatus.MODEL_VERSION_STATUS_FAILED })]],
    [`${R}ArchiveModelVersion`, [registry.ArchiveModelVersionRequest.fromPartial({ modelName: a.model, version: 1 })]],
    [`${R}SetAlias`, [registry.SetAliasRequest.fromPartial({ modelName: a.model, alias: 'staging', version: 1 })]],
    [`${R}DeleteAlias`, [registry.DeleteAliasRequest.fromPartial({ modelName: a.model, alias: 'production' })]],
    [`${R}GetVersionByAlias`, [registry.GetVersionByAliasRequest.fromPartial({ modelName: a.model, alias: 'production' })]],
    [`${R}ListAliasHistory`, [registry.ListAliasHistoryRequest.fromPartial({ modelName: a.model })]],
    [`${R}RollbackAlias`, [registry.RollbackAliasRequest.fromPartial({ modelName: a.model, alias: 'production' })]],
    [`${R}DownloadArtifact`, [registry.DownloadArtifactRequest.fromPartial({ artifactId: a.artifact })]],
    [`${INF}Predict`, [inference.PredictRequest.fromPartial({ modelName: a.model, alias: 'production', rows: ROWS })]],
    [`${INF}PredictStream`, [inference.PredictStreamRequest.fromPartial({ request: { modelName: a.model, alias: 'production', rows: ROWS } })]],
    [`${OIP}ModelInfer`, [oip.ModelInferRequest.fromPartial({ modelName: a.model, inputs: [{ name: 'x1', datatype: 'FP64', shape: [1], contents: { fp64Contents: [1] } }] })]],
    [`${OIP}ModelMetadata`, [oip.ModelMetadataRequest.fromPartial({ name: a.model })]],
  ];

  /** Listings and watches B may call: none of A's resources may appear in them. */
  const listings = (): [string, object[]][] => [
    [`${I}ListDatasets`, [ingestion.ListDatasetsRequest.fromPartial({})]],
    [`${P}ListFeatureSets`, [preprocessing.ListFeatureSetsRequest.fromPartial({})]],
    [`${TR}ListJobs`, [training.ListJobsRequest.fromPartial({})]],
    [`${R}ListModels`, [registry.ListModelsRequest.fromPartial({})]],
    [`${R}WatchModels`, [registry.WatchModelsRequest.fromPartial({ fromStart: true })]],
    [`${INF}ListLoadedModels`, [inference.ListLoadedModelsRequest.fromPartial({})]],
    [`${OIP}ModelReady`, [oip.ModelReadyRequest.fromPartial({ name: a.model })]],
  ];

  it('covers every RPC of every data service', () => {
    const covered = new Set([...cases(), ...listings()].map(([p]) => p).concat(Object.keys(NO_FOREIGN_RESOURCE)));
    const dataRpcs = allRpcs()
      .map((r) => r.path)
      .filter((p) => !p.startsWith('/cityml.admin.'));
    expect(dataRpcs.filter((p) => !covered.has(p))).toEqual([]);
  });

  it("answers NOT_FOUND to tenant B for each of tenant A's datasets, feature sets, jobs, models, versions, aliases and artifacts", async () => {
    const got: Record<string, string> = {};
    for (const [path, requests] of cases()) {
      const { code, responses } = await invoke(t.address, b.apiKey, path, requests);
      // PredictStream reports a failed request in its response (error_code) and goes on.
      const perMessage = (responses[0] as inference.PredictStreamResponse | undefined)?.errorCode;
      got[path] = status[path === `${INF}PredictStream` && perMessage ? perMessage : code];
    }
    expect(got).toEqual(Object.fromEntries(cases().map(([p]) => [p, 'NOT_FOUND'])));
  });

  it("shows tenant B none of tenant A's resources in listings and watches", async () => {
    for (const [path, requests] of listings()) {
      const { code, responses } = await invoke(t.address, b.apiKey, path, requests);
      const text = JSON.stringify(responses);
      expect([path, [status.OK, status.DEADLINE_EXCEEDED, status.NOT_FOUND].includes(code)]).toEqual([path, true]);
      for (const secret of [a.dataset, a.model, a.featureSet, a.job, a.artifact]) expect([path, text.includes(secret)]).toEqual([path, false]);
      if (path === `${OIP}ModelReady` && code === status.OK) expect(responses).toEqual([expect.objectContaining({ ready: false })]);
    }
  });

  it('lets tenant B use the same names for its own resources', async () => {
    expect((await invoke(t.address, b.apiKey, `${I}CreateDataset`, [ingestion.CreateDatasetRequest.fromPartial({ name: a.dataset, schema: SCHEMA })])).code).toBe(status.OK);
    expect((await invoke(t.address, b.apiKey, `${R}CreateModel`, [registry.CreateModelRequest.fromPartial({ name: a.model })])).code).toBe(status.OK);
    // ...but not A's artifact for a version of its own model of that name.
    expect(status[(await invoke(t.address, b.apiKey, `${R}CreateModelVersion`, [registry.CreateModelVersionRequest.fromPartial({ modelName: a.model, artifactId: a.artifact })])).code]).toBe('NOT_FOUND');
  });

  it("runs B's job as B: the training worker registers into B's model of the same name, never A's", async () => {
    const bc = b.client;
    await bc.ingestion.ingest(a.dataset, [rowBatchFromRecords(SCHEMA, RECORDS)]);
    const fs = await bc.preprocessing.waitForFeatureSet((await bc.preprocessing.createFeatureSet({ dataset: a.dataset, spec: SPEC })).featureSet!.id);
    expect(fs.id).not.toBe(a.featureSet);
    const job = await bc.training.submitJob({ featureSetId: fs.id, modelName: a.model, model: { hiddenUnits: [4] }, hyperparameters: { epochs: 2, seed: 2 } });
    for (let end = Date.now() + 60_000; (await bc.training.getJob(job.id)).state < 3; ) {
      if (Date.now() > end) throw new Error('training did not end');
      await new Promise((r) => setTimeout(r, 100));
    }
    expect((await bc.training.getJob(job.id)).error).toBe('');
    const mine = await bc.registry.getModelVersion(a.model, 1);
    expect(mine.lineage).toMatchObject({ featureSetId: fs.id, jobId: job.id });
    const theirs = await t.client.registry.getModel(a.model);
    expect(theirs.latestVersion).toBe(1);
    expect((await t.client.registry.getModelVersion(a.model, 1)).lineage).toMatchObject({ featureSetId: a.featureSet, jobId: a.job });
    // A's job is invisible to B, B's to A.
    expect(status[(await invoke(t.address, t.apiKey, `${TR}GetJob`, [training.GetJobRequest.fromPartial({ id: job.id })])).code]).toBe('NOT_FOUND');
  });

  it('does not let a writer move production through a training job (promote needs admin)', async () => {
    const writer = await t.createKey({ tenant: 'default', role: 'writer' });
    const req = training.SubmitJobRequest.fromPartial({ featureSetId: a.featureSet, modelName: a.model, promote: true, hyperparameters: { epochs: 1 } });
    expect(status[(await invoke(t.address, writer.apiKey, `${TR}SubmitJob`, [req])).code]).toBe('PERMISSION_DENIED');
    expect((await t.client.registry.getVersionByAlias(a.model, 'production')).version).toBe(1);
  });

  it("leaves tenant A's resources as they were", async () => {
    const c = t.client;
    expect((await c.ingestion.getDataset(a.dataset)).name).toBe(a.dataset);
    expect((await c.preprocessing.getFeatureSet(a.featureSet)).id).toBe(a.featureSet);
    expect((await c.training.getJob(a.job)).state).toBe(3);
    expect((await c.registry.getVersionByAlias(a.model, 'production')).version).toBe(1);
    expect((await c.registry.getModel(a.model)).aliases).toEqual({ production: 1, staging: 1 });
    const mine = await invoke(t.address, t.apiKey, `${I}ListDatasets`, [ingestion.ListDatasetsRequest.fromPartial({})]);
    expect(JSON.stringify(mine.responses)).toContain(a.dataset);
  });
});
