import * as tf from '@tensorflow/tfjs';
import { BundleError, bundleFromModel, decodeBundle, encodeBundle, loadBundleModel } from './bundle';

describe('model bundles', () => {
  it('round-trip a TF.js model so it predicts exactly the same values', async () => {
    await tf.setBackend('cpu');
    const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [3], units: 4, activation: 'relu' }), tf.layers.dense({ units: 1 })] });
    const bundle = await bundleFromModel(model, { inputs: [{ name: 'x', dtype: 'float32', shape: [-1, 3] }], outputKind: 'regression' }, { formatVersion: 1 });
    const decoded = decodeBundle(encodeBundle(bundle));
    expect(decoded.signature.outputKind).toBe('regression');
    expect(decoded.transform).toEqual({ formatVersion: 1 });
    const loaded = await loadBundleModel(decoded);
    const x = tf.tensor2d([[1, 2, 3], [-1, 0.5, 2]]);
    expect(Array.from((loaded.predict(x) as tf.Tensor).dataSync())).toEqual(Array.from((model.predict(x) as tf.Tensor).dataSync()));
  });

  it('refuses bytes that are not a bundle', () => {
    expect(() => decodeBundle(Buffer.from('hello world'))).toThrow(BundleError);
  });
});
