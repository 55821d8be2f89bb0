import { initBackend } from '../backend';
import { ModelSpecError, UnsupportedError } from '../errors';
import * as tf from '@tensorflow/tfjs';
import { buildModel } from './build';
import { assertTrainable, trainModel } from './fit';
import { countParams, ModelIO, ModelSpec, TrainingParams, validateModelSpec } from './spec';

const flat: ModelIO = { task: 'classification', inputShape: [16], outputSize: 3 };
const seq: ModelIO = { task: 'forecast', inputShape: [12, 5], outputSize: 6 };
const params: TrainingParams = { epochs: 10, batchSize: 64, learningRate: 0.001, optimizer: 'adam' };

function fieldOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    if (e instanceof ModelSpecError) return e.field;
    throw e;
  }
}

describe('model specs', () => {
  beforeAll(() => initBackend());

  it.each<[ModelSpec, ModelIO]>([
    [{ kind: 'dense', hiddenUnits: [64, 32], dropout: 0.2, l2: 0.001 }, flat],
    [{ kind: 'lstm', recurrentUnits: 8, hiddenUnits: [4] }, seq],
    [{ kind: 'gru', recurrentUnits: 8 }, seq],
    [{ kind: 'conv1d', filters: 4, kernelSize: 3, hiddenUnits: [5] }, seq],
  ])('count the parameters of %j exactly as TF.js does', (spec, io) => {
    const model = buildModel(spec, io, 1);
    expect(countParams(spec, io)).toBe(model.countParams());
    expect(model.outputs[0].shape).toEqual([null, io.outputSize]);
    model.dispose();
  });

  it('return the parameter count of a valid spec', () => {
    expect(validateModelSpec({ kind: 'dense', hiddenUnits: [64, 32] }, flat, params)).toBe(17 * 64 + 65 * 32 + 33 * 3);
  });

  it.each<[string, () => unknown, string]>([
    ['too many epochs', () => validateModelSpec({ kind: 'dense' }, flat, { ...params, epochs: 5000 }), 'epochs'],
    ['a batch size over the limit', () => validateModelSpec({ kind: 'dense' }, flat, { ...params, batchSize: 9999 }), 'batchSize'],
    ['too many parameters', () => validateModelSpec({ kind: 'dense', hiddenUnits: [4096, 4096] }, flat, params), 'params'],
    ['a custom parameter limit', () => validateModelSpec({ kind: 'dense', hiddenUnits: [64] }, flat, params, { limits: { maxParams: 100 } }), 'params'],
    ['a zero-size layer', () => validateModelSpec({ kind: 'dense', hiddenUnits: [8, 0] }, flat, params), 'hiddenUnits[1]'],
    ['an LSTM over flat features', () => validateModelSpec({ kind: 'lstm' }, flat, params), 'kind'],
    ['a dense model over sequences', () => validateModelSpec({ kind: 'dense' }, seq, params), 'kind'],
    ['an unknown optimizer', () => validateModelSpec({ kind: 'dense' }, flat, { ...params, optimizer: 'adagrad' as 'adam' }), 'optimizer'],
    ['a negative learning rate', () => validateModelSpec({ kind: 'dense' }, flat, { ...params, learningRate: -1 }), 'learningRate'],
    ['dropout of 1', () => validateModelSpec({ kind: 'dense', dropout: 1 }, flat, params), 'dropout'],
    ['zero patience', () => validateModelSpec({ kind: 'dense' }, flat, { ...params, earlyStopping: { patience: 0 } }), 'earlyStopping.patience'],
  ])('reject %s, naming the field', (_name, fn, field) => {
    expect(fieldOf(fn)).toBe(field);
  });

  it('refuse Conv1D on wasm, where its gradient kernel is missing', () => {
    expect(() => validateModelSpec({ kind: 'conv1d' }, seq, params, { backend: 'wasm' })).toThrow(UnsupportedError);
    expect(() => validateModelSpec({ kind: 'conv1d' }, seq, params, { backend: 'wasm' })).toThrow(/Conv2DBackpropFilter/);
    expect(validateModelSpec({ kind: 'conv1d' }, seq, params, { backend: 'tensorflow' })).toBeGreaterThan(0);
  });
});

describe('training on wasm', () => {
  beforeAll(() => initBackend());

  it('refuses a Conv1D or Embedding model before the first batch', async () => {
    const conv = buildModel({ kind: 'conv1d', filters: 2 }, { task: 'forecast', inputShape: [6, 1], outputSize: 1 }, 1);
    expect(() => assertTrainable(conv, 'wasm')).toThrow(/Conv1D layers cannot be trained on the wasm backend/);
    const emb = tf.sequential({ layers: [tf.layers.embedding({ inputDim: 10, outputDim: 2, inputLength: 3 })] });
    expect(() => assertTrainable(emb, 'wasm')).toThrow(UnsupportedError);
    expect(() => assertTrainable(emb, 'tensorflow')).not.toThrow();
    const data = { x: new Float32Array(6), shape: [1, 6, 1], y: new Float32Array(1), yShape: [1, 1] };
    await expect(
      trainModel(conv, { task: 'forecast', params: { epochs: 1, batchSize: 1, learningRate: 0.1, optimizer: 'sgd' }, train: data }),
    ).rejects.toThrow(UnsupportedError);
  });
});
