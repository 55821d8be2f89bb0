import * as tf from '@tensorflow/tfjs';

/** Format id of a CityML model bundle; bumped on incompatible changes. */
export const BUNDLE_FORMAT = 'cityml.model.v1';

/** What a model takes and returns (the plain form of registry.v1.Signature). */
export interface BundleSignature {
  inputs: { name: string; dtype: string; shape: number[] }[];
  outputKind: 'regression' | 'classification' | 'forecast';
  classLabels?: string[];
  horizon?: number;
  /** The raw columns a trained model's fitted transform reads. */
  inputColumns?: string[];
  target?: string;
}

/**
 * The immutable artifact of a model version: TF.js topology and weights, the fitted
 * transform (absent for imported models, which take their inputs as they are), the
 * signature and a format version. Training writes it, the registry stores it,
 * inference loads it.
 */
export interface ModelBundle {
  format: string;
  modelTopology: object;
  weightSpecs: tf.io.WeightsManifestEntry[];
  weightData: ArrayBuffer;
  /** A serialized fitted transform (JSON), or undefined for imported models. */
  transform?: unknown;
  signature: BundleSignature;
  metadata?: Record<string, unknown>;
}

/** A bundle that cannot be read (wrong magic, unknown format, truncated). */
export class BundleError extends Error {}

const MAGIC = Buffer.from('CMLB');

function joinWeights(data: tf.io.WeightData | undefined): ArrayBuffer {
  if (!data) return new ArrayBuffer(0);
  if (!Array.isArray(data)) return data;
  const total = data.reduce((n, b) => n + b.byteLength, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const b of data) {
    out.set(new Uint8Array(b), offset);
    offset += b.byteLength;
  }
  return out.buffer;
}

/** Serializes a bundle: "CMLB", u32 header length, JSON header, then the weight bytes. */
export function encodeBundle(bundle: ModelBundle): Buffer {
  const { weightData, ...header } = bundle;
  const json = Buffer.from(JSON.stringify({ ...header, weightBytes: weightData.byteLength }));
  const len = Buffer.alloc(4);
  len.writeUInt32LE(json.length);
  return Buffer.concat([MAGIC, len, json, Buffer.from(weightData)]);
}

/** Parses {@link encodeBundle} output; throws {@link BundleError} on anything else. */
export function decodeBundle(buf: Buffer): ModelBundle {
  if (buf.length < 8 || !buf.subarray(0, 4).equals(MAGIC)) throw new BundleError('not a CityML model bundle');
  const len = buf.readUInt32LE(4);
  if (8 + len > buf.length) throw new BundleError('truncated model bundle');
  let header: Omit<ModelBundle, 'weightData'> & { weightBytes: number };
  try {
    header = JSON.parse(buf.subarray(8, 8 + len).toString('utf8'));
  } catch {
    throw new BundleError('corrupt model bundle header');
  }
  if (header.format !== BUNDLE_FORMAT) throw new BundleError(`unsupported model bundle format ${JSON.stringify(header.format)}`);
  const weights = buf.subarray(8 + len);
  if (weights.length !== header.weightBytes) throw new BundleError('model bundle weights are truncated');
  const { weightBytes: _w, ...rest } = header;
  const weightData = weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.length) as ArrayBuffer;
  return { ...rest, weightData };
}

/** Captures a TF.js LayersModel (topology and weights) into a bundle. */
export async function bundleFromModel(model: tf.LayersModel, signature: BundleSignature, transform?: unknown, metadata?: Record<string, unknown>): Promise<ModelBundle> {
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  if (!artifacts?.modelTopology) throw new BundleError('model could not be serialized');
  return {
    format: BUNDLE_FORMAT,
    modelTopology: artifacts.modelTopology as object,
    weightSpecs: artifacts.weightSpecs ?? [],
    weightData: joinWeights(artifacts.weightData),
    transform,
    signature,
    metadata,
  };
}

/** Builds a bundle from a model.json (as TF.js or tensorflowjs_converter write it) and its weight files. */
export function bundleFromModelJson(modelJson: { modelTopology: object; weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[] }, weightFiles: Map<string, Buffer>, signature: BundleSignature): ModelBundle {
  const parts: Buffer[] = [];
  const specs: tf.io.WeightsManifestEntry[] = [];
  for (const group of modelJson.weightsManifest ?? []) {
    for (const p of group.paths) {
      const file = weightFiles.get(p) ?? weightFiles.get(p.replace(/^\.\//, ''));
      if (!file) throw new BundleError(`weight file ${JSON.stringify(p)} named by model.json is missing`);
      parts.push(file);
    }
    specs.push(...group.weights);
  }
  const data = Buffer.concat(parts);
  return {
    format: BUNDLE_FORMAT,
    modelTopology: modelJson.modelTopology,
    weightSpecs: specs,
    weightData: data.buffer.slice(data.byteOffset, data.byteOffset + data.length) as ArrayBuffer,
    signature,
  };
}

/** Loads the TF.js model of a bundle. */
export async function loadBundleModel(bundle: ModelBundle): Promise<tf.LayersModel> {
  return tf.loadLayersModel(tf.io.fromMemory({ modelTopology: bundle.modelTopology, weightSpecs: bundle.weightSpecs, weightData: bundle.weightData }));
}
