import * as tf from '@tensorflow/tfjs';
import { backendCapabilities, initBackend } from './backend';

describe('the TF.js backend', () => {
  it('falls back to wasm without tfjs-node, once, and trains on it', async () => {
    const name = await initBackend();
    expect(name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(await initBackend({ prefer: 'cpu' })).toBe('wasm');
    const x = tf.variable(tf.scalar(3));
    const g = tf.grad((v: tf.Tensor) => v.square())(x);
    expect(g.dataSync()[0]).toBe(6);
  });

  it('says which layers a backend cannot train', () => {
    expect(backendCapabilities('wasm')).toEqual({ conv1d: false, embedding: false });
    expect(backendCapabilities('tensorflow')).toEqual({ conv1d: true, embedding: true });
  });
});
