import { status } from '@grpc/grpc-js';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '@cityml/ml';
import { decodeBundle, loadBundleModel, BUNDLE_FORMAT } from '@cityml/ml/bundle';
import { startTestPlatform, type TestPlatform } from '@cityml/platform/testing';
import { registry } from '@cityml/proto';
import { ModelVersionStatus, type RegistryClient } from '@cityml/sdk';

jest.setTimeout(30_000);

/** Saves a model the way TF.js writes model.json and weight shards (here: two shards). */
async function saveAsFiles(model: tf.LayersModel): Promise<{ modelJson: object; weights: Map<string, Buffer> }> {
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  const data = Buffer.from(artifacts!.weightData as ArrayBuffer);
  const half = Math.floor(data.length / 8) * 4;
  const weights = new Map([
    ['group1-shard1of2.bin', data.subarray(0, half)],
    ['group1-shard2of2.bin', data.subarray(half)],
  ]);
  const modelJson = {
    format: 'layers-model',
    generatedBy: `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
    convertedBy: null,
    modelTopology: artifacts!.modelTopology,
    weightsManifest: [{ paths: ['./group1-shard1of2.bin', './group1-shard2of2.bin'], weights: artifacts!.weightSpecs }],
  };
  return { modelJson, weights };
}

const regression = { inputs: [{ name: 'features', dtype: 'float32', shape: [-1, 3] }], outputKind: registry.OutputKind.OUTPUT_KIND_REGRESSION };

describe('ImportModelVersion', () => {
  let t: TestPlatform;
  let reg: RegistryClient;
  let model: tf.LayersModel;
  let files: Awaited<ReturnType<typeof saveAsFiles>>;
  beforeAll(async () => {
    await initBackend();
    t = await startTestPlatform({ services: ['registry'] });
    reg = t.client.registry;
    model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [3], units: 5, activation: 'tanh' }), tf.layers.dense({ units: 1 })] });
    files = await saveAsFiles(model);
  });
  afterAll(async () => {
    model?.dispose();
    await t?.stop();
  });

  it('imports a model built and saved with TF.js, which then predicts exactly what TF.js predicts', async () => {
    const v = await reg.importModelVersion({ modelName: 'imported', createModel: true, modelJson: files.modelJson, weightFiles: files.weights, signature: regression, tags: { origin: 'byo' } });
    expect(v).toMatchObject({ version: 1, status: ModelVersionStatus.MODEL_VERSION_STATUS_READY, source: 'imported', formatVersion: BUNDLE_FORMAT, tags: { origin: 'byo' } });
    expect(v.artifactSha256).toMatch(/^[0-9a-f]{64}$/);
    const { bundle } = await reg.fetchModelBundle('imported', { version: 1 });
    expect(bundle.length).toBe(v.artifactSize);
    const decoded = decodeBundle(bundle);
    expect(decoded.transform).toBeUndefined();
    expect(decoded.signature).toMatchObject({ outputKind: 'regression', inputs: [{ name: 'features', shape: [-1, 3] }] });
    const loaded = await loadBundleModel(decoded);
    const x = tf.tensor2d([
      [0.5, -1, 2],
      [3, 0, -0.25],
      [100, 7, 1e-3],
    ]);
    const expected = Array.from((model.predict(x) as tf.Tensor).dataSync());
    const actual = Array.from((loaded.predict(x) as tf.Tensor).dataSync());
    expect(actual).toEqual(expected);
    loaded.dispose();
    x.dispose();
  });

  it('refuses, with INVALID_ARGUMENT naming the mismatch, a model that does not fit its declared signature', async () => {
    const base = { modelName: 'imported', modelJson: files.modelJson, weightFiles: files.weights };
    await expect(reg.importModelVersion({ ...base, signature: { ...regression, inputs: [{ name: 'features', shape: [-1, 4] }] } })).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
      message: expect.stringContaining('dimension 1 is 3 in the model, 4 in the signature'),
    });
    await expect(reg.importModelVersion({ ...base, signature: { ...regression, inputs: [{ name: 'a', shape: [-1, 3] }, { name: 'b', shape: [-1, 1] }] } })).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
      message: expect.stringContaining('1 inputs'),
    });
    await expect(reg.importModelVersion({ ...base, signature: { ...regression, outputKind: registry.OutputKind.OUTPUT_KIND_CLASSIFICATION, classLabels: ['a', 'b', 'c'] } })).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
      message: expect.stringContaining('needs 3'),
    });
    await expect(reg.importModelVersion({ ...base, signature: { ...regression, outputKind: registry.OutputKind.OUTPUT_KIND_FORECAST, horizon: 0 } })).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
      message: expect.stringContaining('horizon'),
    });
    await expect(reg.importModelVersion({ ...base, weightFiles: new Map([...files.weights].slice(0, 1)), signature: regression })).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
      message: expect.stringContaining('group1-shard2of2.bin'),
    });
    await expect(reg.importModelVersion({ ...base, modelJson: '{not json', signature: regression })).rejects.toMatchObject({ code: status.INVALID_ARGUMENT });
    await expect(reg.importModelVersion({ ...base, modelName: 'not-registered', signature: regression })).rejects.toMatchObject({ code: status.NOT_FOUND });
    expect((await reg.getModel('imported')).latestVersion).toBe(1);
  });

  it('imports a classifier whose outputs match its class labels', async () => {
    const clf = tf.sequential({ layers: [tf.layers.dense({ inputShape: [2], units: 3, activation: 'softmax' })] });
    const saved = await saveAsFiles(clf);
    const v = await reg.importModelVersion({
      modelName: 'imported-classifier',
      createModel: true,
      modelJson: saved.modelJson,
      weightFiles: saved.weights,
      signature: { inputs: [{ name: 'xy', shape: [-1, 2] }], outputKind: registry.OutputKind.OUTPUT_KIND_CLASSIFICATION, classLabels: ['low', 'mid', 'high'] },
    });
    expect(v.signature?.classLabels).toEqual(['low', 'mid', 'high']);
    clf.dispose();
  });
});
