import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { inference } from '@cityml/proto';
import { callOptions, unary } from '@cityml/sdk';
import { startTestPlatform, type TestPlatform } from '@cityml/platform/testing';
import { inferenceInstances } from './index';
import { classificationModel, publish, regressionModel, rowBatch, type TestModel } from './test-models';

jest.setTimeout(30_000);

// A client built from the protocol's own .proto file, as a KServe or Triton client would be
// (snake_case fields, nothing from CityML's generated code).
const definition = protoLoader.loadSync(join(__dirname, '../../../../proto/inference/grpc_predict_v2.proto'), { keepCase: true, longs: Number, defaults: true });
const { inference: pkg } = grpc.loadPackageDefinition(definition) as unknown as { inference: { GRPCInferenceService: grpc.ServiceClientConstructor } };
type Oip = grpc.Client & Record<string, (req: unknown, cb: (err: grpc.ServiceError | null, res: never) => void) => void>;

describe('the Open Inference Protocol', () => {
  let t: TestPlatform;
  let reg: TestModel;
  let oip: Oip;
  let http: string;
  const rows = [
    { speed: 30, lane: 'north' },
    { speed: 55, lane: 'south' },
    { speed: 80, lane: 'west' },
  ];
  let expected: number[];
  const rpc = <T>(method: string, req: unknown) => new Promise<T>((resolve, reject) => oip[method](req, (err, res) => (err ? reject(err) : resolve(res))));

  beforeAll(async () => {
    t = await startTestPlatform({ services: ['registry', 'inference'], env: { CITYML_AUTH: 'off' } });
    reg = await regressionModel();
    await publish(t.client, 'flow', reg, { alias: 'production' });
    await publish(t.client, 'kind', await classificationModel(), { alias: 'staging' });
    oip = new pkg.GRPCInferenceService(t.address, grpc.credentials.createInsecure()) as unknown as Oip;
    http = `http://127.0.0.1:${inferenceInstances()[0].httpPort}`;
    const raw = t.client.inference.raw;
    const res = await unary(raw.predict.bind(raw), inference.PredictRequest.fromPartial({ modelName: 'flow', rows: rowBatch(rows, reg.schema) }), callOptions(t.client.options));
    expected = res.values;
  });
  afterAll(async () => {
    oip?.close();
    await t?.stop();
  });

  const tensors = () => [
    { name: 'speed', datatype: 'FP64', shape: [3], contents: { fp64_contents: rows.map((r) => r.speed) } },
    { name: 'lane', datatype: 'BYTES', shape: [3, 1], contents: { bytes_contents: rows.map((r) => Buffer.from(r.lane)) } },
  ];

  it('answers the server health and metadata calls', async () => {
    await expect(rpc('ServerLive', {})).resolves.toEqual({ live: true });
    await expect(rpc('ServerReady', {})).resolves.toEqual({ ready: true });
    await expect(rpc('ServerMetadata', {})).resolves.toMatchObject({ name: 'cityml-inference' });
  });

  it('describes a model with its raw columns as inputs', async () => {
    const md = await rpc<{ name: string; versions: string[]; inputs: unknown[]; outputs: unknown[] }>('ModelMetadata', { name: 'flow', version: '' });
    expect(md.versions).toEqual(['1']);
    expect(md.inputs).toEqual([
      { name: 'speed', datatype: 'FP64', shape: [-1] },
      { name: 'lane', datatype: 'BYTES', shape: [-1] },
    ]);
    expect(md.outputs).toEqual([{ name: 'value', datatype: 'FP64', shape: [-1] }]);
    await expect(rpc('ModelReady', { name: 'flow', version: '1' })).resolves.toEqual({ ready: true });
    await expect(rpc('ModelReady', { name: 'flow', version: 'canary' })).resolves.toEqual({ ready: false });
  });

  it('infers from named input tensors, model_version as a number or an alias', async () => {
    for (const model_version of ['1', 'production', '']) {
      const res = await rpc<{ model_name: string; model_version: string; id: string; outputs: { name: string; datatype: string; shape: number[]; contents: { fp64_contents: number[] } }[] }>('ModelInfer', { model_name: 'flow', model_version, id: 'req-1', inputs: tensors() });
      expect(res).toMatchObject({ model_name: 'flow', model_version: '1', id: 'req-1' });
      expect(res.outputs).toHaveLength(1);
      expect(res.outputs[0]).toMatchObject({ name: 'value', datatype: 'FP64', shape: [3] });
      res.outputs[0].contents.fp64_contents.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 6));
    }
  });

  it('reads raw_input_contents and answers in raw_output_contents', async () => {
    const speed = Buffer.alloc(12);
    rows.forEach((r, i) => speed.writeFloatLE(r.speed, i * 4));
    const lane = Buffer.concat(rows.map((r) => {
      const len = Buffer.alloc(4);
      len.writeUInt32LE(r.lane.length);
      return Buffer.concat([len, Buffer.from(r.lane)]);
    }));
    const res = await rpc<{ outputs: { name: string; shape: number[] }[]; raw_output_contents: Buffer[] }>('ModelInfer', {
      model_name: 'flow',
      inputs: [
        { name: 'speed', datatype: 'FP32', shape: [3] },
        { name: 'lane', datatype: 'BYTES', shape: [3] },
      ],
      raw_input_contents: [speed, lane],
    });
    expect(res.outputs[0]).toMatchObject({ name: 'value', shape: [3] });
    const out = res.raw_output_contents[0];
    expect(out.length).toBe(24);
    [0, 1, 2].forEach((i) => expect(out.readDoubleLE(i * 8)).toBeCloseTo(expected[i], 6));
  });

  it('returns only the requested outputs of a classifier', async () => {
    const at = [Date.UTC(2024, 0, 1, 8) * 1000, Date.UTC(2024, 0, 1, 20) * 1000];
    const res = await rpc<{ outputs: { name: string; datatype: string; shape: number[]; contents: { bytes_contents: Buffer[] } }[] }>('ModelInfer', {
      model_name: 'kind',
      model_version: 'staging',
      inputs: [
        { name: 'speed', datatype: 'INT64', shape: [2], contents: { int64_contents: [25, 90] } },
        { name: 'at', datatype: 'INT64', shape: [2], contents: { int64_contents: at } },
      ],
      outputs: [{ name: 'label' }],
    });
    expect(res.outputs.map((o) => o.name)).toEqual(['label']);
    expect(res.outputs[0]).toMatchObject({ datatype: 'BYTES', shape: [2] });
    res.outputs[0].contents.bytes_contents.forEach((b) => expect(['congested', 'free']).toContain(b.toString()));
  });

  it('answers NOT_FOUND and INVALID_ARGUMENT with the gRPC status codes', async () => {
    await expect(rpc('ModelInfer', { model_name: 'nope', inputs: tensors() })).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
    await expect(rpc('ModelInfer', { model_name: 'flow', model_version: '7', inputs: tensors() })).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
    const wrongType = [{ name: 'speed', datatype: 'BOOL', shape: [1], contents: { bool_contents: [true] } }, tensors()[1]];
    await expect(rpc('ModelInfer', { model_name: 'flow', inputs: wrongType })).rejects.toMatchObject({ code: grpc.status.INVALID_ARGUMENT, details: expect.stringMatching(/input speed: datatype BOOL/) });
    const wrongShape = [{ name: 'speed', datatype: 'FP64', shape: [3], contents: { fp64_contents: [1, 2] } }, tensors()[1]];
    await expect(rpc('ModelInfer', { model_name: 'flow', inputs: wrongShape })).rejects.toMatchObject({ code: grpc.status.INVALID_ARGUMENT, details: expect.stringMatching(/input speed, row 2: shape \[3\] needs 3 values, got 2/) });
  });

  describe('over HTTP/JSON', () => {
    const get = async (path: string) => {
      const r = await fetch(http + path);
      return { status: r.status, body: (await r.json()) as any }; // eslint-disable-line @typescript-eslint/no-explicit-any
    };
    const post = async (path: string, body: unknown) => {
      const r = await fetch(http + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return { status: r.status, body: (await r.json()) as any }; // eslint-disable-line @typescript-eslint/no-explicit-any
    };
    const inputs = [
      { name: 'speed', datatype: 'FP64', shape: [3], data: rows.map((r) => r.speed) },
      { name: 'lane', datatype: 'BYTES', shape: [3, 1], data: rows.map((r) => [r.lane]) },
    ];

    it('answers health, server and model metadata', async () => {
      expect(await get('/v2/health/live')).toEqual({ status: 200, body: { live: true } });
      expect(await get('/v2/health/ready')).toEqual({ status: 200, body: { ready: true } });
      expect((await get('/v2')).body).toMatchObject({ name: 'cityml-inference' });
      const md = await get('/v2/models/flow/versions/1');
      expect(md.status).toBe(200);
      expect(md.body).toMatchObject({ name: 'flow', versions: ['1'], inputs: [{ name: 'speed', datatype: 'FP64', shape: [-1] }, { name: 'lane', datatype: 'BYTES', shape: [-1] }] });
      expect(await get('/v2/models/flow/ready')).toEqual({ status: 200, body: { name: 'flow', ready: true } });
      expect((await get('/v2/models/flow/versions/canary/ready')).status).toBe(503);
    });

    it('infers with the same answers as gRPC', async () => {
      for (const path of ['/v2/models/flow/infer', '/v2/models/flow/versions/1/infer', '/v2/models/flow/versions/production/infer']) {
        const res = await post(path, { id: 'h1', inputs });
        expect(res.status).toBe(200);
        expect(res.body).toMatchObject({ model_name: 'flow', model_version: '1', id: 'h1', outputs: [{ name: 'value', datatype: 'FP64', shape: [3] }] });
        res.body.outputs[0].data.forEach((v: number, i: number) => expect(v).toBeCloseTo(expected[i], 6));
      }
    });

    it('maps errors to HTTP statuses with the reason', async () => {
      expect(await post('/v2/models/nope/infer', { inputs })).toMatchObject({ status: 404, body: { error: expect.stringMatching(/nope/) } });
      const bad = [{ ...inputs[0], data: [1, 'x', 3] }, inputs[1]];
      expect(await post('/v2/models/flow/infer', { inputs: bad })).toEqual({ status: 400, body: { error: 'input speed, row 1: value "x" is not a number' } });
      expect(await post('/v2/models/flow/infer', { inputs: [inputs[0]] })).toMatchObject({ status: 400, body: { error: expect.stringMatching(/input lane: missing/) } });
      expect((await post('/v2/models/flow/infer', { nope: 1 })).status).toBe(400);
    });
  });
});
