import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../backend';
import { FormatError } from '../errors';
import { artifactFromModelJson, artifactToFiles, loadModelArtifact, loadModelJson, saveModelArtifact } from './artifact';
import { buildModel } from './build';

const outputs = (m: { predict: (t: tf.Tensor) => unknown }) =>
  tf.tidy(() => {
    const x = tf.tensor2d([
      [1, 2, 3],
      [-1, 0.5, 2],
    ]);
    return Array.from((m.predict(x) as tf.Tensor).dataSync());
  });

describe('model artifacts', () => {
  beforeAll(() => initBackend());

  it('round-trip a model through memory with identical predictions', async () => {
    const model = buildModel({ kind: 'dense', hiddenUnits: [4], dropout: 0.3 }, { task: 'regression', inputShape: [3], outputSize: 1 }, 9);
    const artifact = await saveModelArtifact(model);
    expect(artifact.weightData.byteLength).toBe(model.countParams() * 4);
    expect(JSON.stringify(artifact.modelTopology)).not.toContain('CityML');
    expect(outputs(await loadModelArtifact(artifact))).toEqual(outputs(model));
  });

  it('load a model.json and weight file as model.save writes them', async () => {
    const model = buildModel({ kind: 'dense', hiddenUnits: [5] }, { task: 'classification', inputShape: [3], outputSize: 2 }, 2);
    const files = artifactToFiles(await saveModelArtifact(model));
    const loaded = await loadModelJson(files.modelJson, { 'weights.bin': files.weights });
    expect(loaded.kind).toBe('layers');
    expect(outputs(loaded.model)).toEqual(outputs(model));
  });

  it('load a converter graph model', async () => {
    const modelJson = {
      format: 'graph-model',
      generatedBy: '2.15.0',
      convertedBy: 'TensorFlow.js Converter v4.22.0',
      modelTopology: {
        node: [
          { name: 'x', op: 'Placeholder', attr: { dtype: { type: 'DT_FLOAT' }, shape: { shape: { dim: [{ size: '-1' }, { size: '3' }] } } } },
          { name: 'w', op: 'Const', attr: { dtype: { type: 'DT_FLOAT' }, value: { tensor: { dtype: 'DT_FLOAT', tensorShape: { dim: [{ size: '3' }, { size: '1' }] } } } } },
          { name: 'y', op: 'MatMul', input: ['x', 'w'], attr: { T: { type: 'DT_FLOAT' }, transpose_a: { b: false }, transpose_b: { b: false } } },
        ],
        versions: { producer: 1 },
      },
      weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: [{ name: 'w', shape: [3, 1], dtype: 'float32' as const }] }],
    };
    const weights = new Uint8Array(Float32Array.from([1, 10, 100]).buffer);
    const loaded = await loadModelJson(modelJson, new Map([['group1-shard1of1.bin', weights]]));
    expect(loaded.kind).toBe('graph');
    expect(outputs(loaded.model)).toEqual([321, 204]);
  });

  it('name a missing weight file', () => {
    expect(() => artifactFromModelJson({ modelTopology: {}, weightsManifest: [{ paths: ['a.bin'], weights: [] }] }, {})).toThrow(FormatError);
  });
});
