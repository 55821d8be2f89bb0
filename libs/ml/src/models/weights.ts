import * as tf from '@tensorflow/tfjs';
import { FormatError } from '../errors';

/** Tensors as bytes: the weight specs (name, shape, dtype) and one buffer holding them in order. */
export interface EncodedWeights {
  specs: tf.io.WeightsManifestEntry[];
  data: ArrayBuffer;
}

function joinBuffers(data: tf.io.WeightData): ArrayBuffer {
  return Array.isArray(data) ? tf.io.concatenateArrayBuffers(data) : data;
}

async function encode(tensors: { name: string; tensor: tf.Tensor }[]): Promise<EncodedWeights> {
  const { data, specs } = await tf.io.encodeWeights(tensors);
  return { specs, data: joinBuffers(data) };
}

function decode(enc: EncodedWeights): tf.Tensor[] {
  const map = tf.io.decodeWeights(enc.data, enc.specs);
  return enc.specs.map((s) => map[s.name]);
}

/** The model's weights (trainable and not, in model order) as bytes: a checkpoint of the network. */
export function getModelWeights(model: tf.LayersModel): Promise<EncodedWeights> {
  return encode(model.getWeights().map((tensor, i) => ({ name: `w${i}`, tensor })));
}

/**
 * Loads weights taken by {@link getModelWeights} into a model of the same architecture.
 * @throws FormatError when the count or shapes do not match.
 */
export function setModelWeights(model: tf.LayersModel, enc: EncodedWeights): void {
  const current = model.getWeights();
  if (current.length !== enc.specs.length) {
    throw new FormatError(`checkpoint has ${enc.specs.length} weights, the model has ${current.length}`);
  }
  enc.specs.forEach((s, i) => {
    if (s.shape.join('x') !== current[i].shape.join('x')) throw new FormatError(`weight ${i}: shape ${s.shape} != ${current[i].shape}`);
  });
  const tensors = decode(enc);
  model.setWeights(tensors);
  tf.dispose(tensors);
}

/** The optimizer's state (iteration count and moments), or null before its first step. */
export async function getOptimizerWeights(optimizer: tf.Optimizer): Promise<EncodedWeights | null> {
  const named = await optimizer.getWeights();
  if (named.length === 0) return null;
  const out = await encode(named);
  return out;
}

/** Restores optimizer state taken by {@link getOptimizerWeights} (matched by order, not name). */
export async function setOptimizerWeights(optimizer: tf.Optimizer, enc: EncodedWeights): Promise<void> {
  const tensors = decode(enc);
  await optimizer.setWeights(enc.specs.map((s, i) => ({ name: s.name, tensor: tensors[i] })));
  tf.dispose(tensors);
}

const MAGIC = 0x434d4c57; // "CMLW"

/**
 * Packs a JSON-able header and named buffers into one byte array (u32 magic, u32 header
 * length, JSON header, then the buffers): how checkpoints are stored.
 */
export function packBuffers(header: object, buffers: Record<string, ArrayBuffer>): Uint8Array {
  const sizes = Object.fromEntries(Object.entries(buffers).map(([k, b]) => [k, b.byteLength]));
  const json = new TextEncoder().encode(JSON.stringify({ header, sizes }));
  const total = 8 + json.length + Object.values(sizes).reduce((a, b) => a + b, 0);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, json.length, true);
  out.set(json, 8);
  let off = 8 + json.length;
  for (const b of Object.values(buffers)) {
    out.set(new Uint8Array(b), off);
    off += b.byteLength;
  }
  return out;
}

/**
 * Reverses {@link packBuffers}.
 * @throws FormatError on bytes it did not write.
 */
export function unpackBuffers(bytes: Uint8Array): { header: unknown; buffers: Record<string, ArrayBuffer> } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < 8 || view.getUint32(0, true) !== MAGIC) throw new FormatError('not a packed checkpoint');
  const len = view.getUint32(4, true);
  if (8 + len > bytes.byteLength) throw new FormatError('truncated checkpoint');
  const { header, sizes } = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + len))) as {
    header: unknown;
    sizes: Record<string, number>;
  };
  const buffers: Record<string, ArrayBuffer> = {};
  let off = bytes.byteOffset + 8 + len;
  for (const [k, size] of Object.entries(sizes)) {
    if (off + size > bytes.byteOffset + bytes.byteLength) throw new FormatError('truncated checkpoint');
    buffers[k] = bytes.buffer.slice(off, off + size) as ArrayBuffer;
    off += size;
  }
  return { header, buffers };
}
