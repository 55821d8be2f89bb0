import { startTestPlatform, type TestPlatform } from '@cityml/platform/testing';
import { Client, credentials, Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { common, inference, ingestion, preprocessing, registry, training } from '@cityml/proto';

jest.setTimeout(60_000);

/** Hostile strings for name fields: SQL, quoting, paths, shell, control characters, oversize. */
const HOSTILE = [
  "x'; drop schema ingestion cascade; --",
  'a" or "1"="1',
  '../../../etc/passwd',
  '$(touch /tmp/cityml-pwned)',
  'a\u0000b',
  'line\nbreak',
  'x'.repeat(300),
  '%00%27',
];
/** Free text that must be stored verbatim and harmlessly. */
const TEXT = "'); delete from registry.models; -- <script>alert(1)</script> \\ \" ünï ${x}\ncode";

type Def = { path: string; requestSerialize: (v: never) => Buffer; responseDeserialize: (b: Buffer) => unknown };

function unaryCall<Res>(t: TestPlatform, def: Def, request: object): Promise<{ code: number; message: string; res?: Res }> {
  const client = new Client(t.address, credentials.createInsecure());
  const md = new Metadata();
  md.set('authorization', `Bearer ${t.apiKey}`);
  return new Promise((resolve) =>
    client.makeUnaryRequest(def.path, (v: object) => def.requestSerialize(v as never), def.responseDeserialize as (b: Buffer) => Res, request, md, { deadline: new Date(Date.now() + 10_000) }, (err: ServiceError | null, res?: Res) => {
      client.close();
      resolve({ code: err ? err.code : status.OK, message: err?.details ?? '', res });
    }),
  );
}

const SCHEMA = (column: string): common.Schema => ({ columns: [{ name: column, type: common.ColumnType.COLUMN_TYPE_NUMBER, nullable: false, description: TEXT }], timeColumn: '', timeZone: '' });

describe('injection attempts through every name field of every service', () => {
  let t: TestPlatform;
  beforeAll(async () => {
    t = await startTestPlatform();
  });
  afterAll(async () => {
    await t?.stop();
  });

  /** Refused with INVALID_ARGUMENT (or not found), never INTERNAL, and the message carries no SQL or stack. */
  const expectRefusedOrVerbatim = (r: { code: number; message: string }, allowed = [status.INVALID_ARGUMENT, status.NOT_FOUND]) => {
    expect(allowed).toContain(r.code);
    expect(r.message).not.toMatch(/\bselect\b|\binsert\b|syntax error|relation "|at [\w./]+\.ts:\d+/i);
  };

  it.each(HOSTILE)('refuses dataset name %j', async (name) => {
    expectRefusedOrVerbatim(await unaryCall(t, ingestion.IngestionServiceService.createDataset, ingestion.CreateDatasetRequest.fromPartial({ name, schema: SCHEMA('x') })));
    expectRefusedOrVerbatim(await unaryCall(t, ingestion.IngestionServiceService.getDataset, ingestion.GetDatasetRequest.fromPartial({ name })));
  });

  it.each(HOSTILE)('refuses column name %j, or stores it verbatim', async (column) => {
    const r = await unaryCall<ingestion.CreateDatasetResponse>(t, ingestion.IngestionServiceService.createDataset, ingestion.CreateDatasetRequest.fromPartial({ name: `col-${HOSTILE.indexOf(column)}`, schema: SCHEMA(column) }));
    if (r.code === status.OK) expect(r.res!.dataset!.schema!.columns[0].name).toBe(column);
    else expectRefusedOrVerbatim(r, [status.INVALID_ARGUMENT]);
  });

  it.each(HOSTILE)('refuses model name %j', async (name) => {
    expectRefusedOrVerbatim(await unaryCall(t, registry.RegistryServiceService.createModel, registry.CreateModelRequest.fromPartial({ name })));
    expectRefusedOrVerbatim(await unaryCall(t, registry.RegistryServiceService.getModel, registry.GetModelRequest.fromPartial({ name })));
  });

  it.each(HOSTILE)('refuses alias %j', async (alias) => {
    await t.client.registry.createModel({ name: 'alias-target' }).catch(() => undefined);
    expectRefusedOrVerbatim(await unaryCall(t, registry.RegistryServiceService.setAlias, registry.SetAliasRequest.fromPartial({ modelName: 'alias-target', alias, version: 1 })));
  });

  it.each(HOSTILE)('refuses feature set and job ids %j (also as list filters)', async (id) => {
    expectRefusedOrVerbatim(await unaryCall(t, preprocessing.PreprocessingServiceService.listFeatureSets, preprocessing.ListFeatureSetsRequest.fromPartial({ dataset: id })), [status.OK, status.INVALID_ARGUMENT, status.NOT_FOUND]);
    expectRefusedOrVerbatim(await unaryCall(t, training.TrainingServiceService.listJobs, training.ListJobsRequest.fromPartial({ modelName: id })), [status.OK, status.INVALID_ARGUMENT, status.NOT_FOUND]);
    expectRefusedOrVerbatim(await unaryCall(t, preprocessing.PreprocessingServiceService.getFeatureSet, preprocessing.GetFeatureSetRequest.fromPartial({ id })));
    expectRefusedOrVerbatim(await unaryCall(t, training.TrainingServiceService.getJob, training.GetJobRequest.fromPartial({ id })));
  });

  it.each(HOSTILE)('refuses a job for model name %j', async (modelName) => {
    expectRefusedOrVerbatim(await unaryCall(t, training.TrainingServiceService.submitJob, training.SubmitJobRequest.fromPartial({ featureSetId: 'fs-nope', modelName })));
  });

  it.each(HOSTILE)('refuses predicting with model name %j', async (modelName) => {
    expectRefusedOrVerbatim(await unaryCall(t, inference.InferenceServiceService.predict, inference.PredictRequest.fromPartial({ modelName, rows: { rowCount: 1, columns: [] } })));
  });

  it('stores descriptions, labels and tags verbatim', async () => {
    const ds = await unaryCall<ingestion.CreateDatasetResponse>(t, ingestion.IngestionServiceService.createDataset, ingestion.CreateDatasetRequest.fromPartial({ name: 'verbatim', description: TEXT, schema: SCHEMA('x'), labels: { owner: TEXT } }));
    expect(ds.code).toBe(status.OK);
    const got = await unaryCall<ingestion.GetDatasetResponse>(t, ingestion.IngestionServiceService.getDataset, ingestion.GetDatasetRequest.fromPartial({ name: 'verbatim' }));
    expect(got.res!.dataset).toMatchObject({ description: TEXT, labels: { owner: TEXT } });
    expect(got.res!.dataset!.schema!.columns[0].description).toBe(TEXT);
    const model = await unaryCall<registry.CreateModelResponse>(t, registry.RegistryServiceService.createModel, registry.CreateModelRequest.fromPartial({ name: 'verbatim', description: TEXT, tags: { team: TEXT } }));
    expect(model.code).toBe(status.OK);
    expect((await t.client.registry.getModel('verbatim')).description).toBe(TEXT);
  });

  it('still works afterwards: every schema is intact', async () => {
    expect((await t.client.ingestion.getDataset('verbatim')).name).toBe('verbatim');
    expect((await t.client.registry.getModel('alias-target')).name).toBe('alias-target');
    expect(await t.client.admin.listApiKeys()).toHaveLength(1);
  });
});
