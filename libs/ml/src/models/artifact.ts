import * as tf from '@tensorflow/tfjs';
import { FormatError } from '../errors';

/** A model in memory: topology JSON, weight specs and one weight buffer (what model.json + shards hold). */
export interface ModelArtifact {
  format: 'layers-model' | 'graph-model';
  modelTopology: object;
  weightSpecs: tf.io.WeightsManifestEntry[];
  weightData: ArrayBuffer;
  /** Graph models: signature, initializer and metadata fields of model.json, passed through. */
  extra?: Record<string, unknown>;
}

/** A loaded model of either TF.js kind. */
export type LoadedModel = { kind: 'layers'; model: tf.LayersModel } | { kind: 'graph'; model: tf.GraphModel };

/** The model.json that `model.save` and tensorflowjs_converter write. */
export interface ModelJson {
  format?: string;
  modelTopology: object;
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  [key: string]: unknown;
}

function toArrayBuffer(b: ArrayBuffer | Uint8Array): ArrayBuffer {
  return b instanceof Uint8Array ? (b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer) : b;
}

/** Captures a LayersModel into an in-memory artifact through a custom save handler. */
export async function saveModelArtifact(model: tf.LayersModel): Promise<ModelArtifact> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  if (!saved?.modelTopology || !saved.weightData) throw new FormatError('the model could not be serialized');
  const data = saved.weightData;
  return {
    format: 'layers-model',
    modelTopology: saved.modelTopology as object,
    weightSpecs: saved.weightSpecs ?? [],
    weightData: Array.isArray(data) ? tf.io.concatenateArrayBuffers(data) : data,
  };
}

/** Loads a layers-model artifact (tf.io.fromMemory). */
export function loadModelArtifact(a: ModelArtifact): Promise<tf.LayersModel> {
  if (a.format !== 'layers-model') throw new FormatError(`a ${a.format} artifact is not a layers model; use loadAnyModel`);
  return tf.loadLayersModel(tf.io.fromMemory({ modelTopology: a.modelTopology, weightSpecs: a.weightSpecs, weightData: a.weightData }));
}

/** Loads a layers or graph artifact. */
export async function loadAnyModel(a: ModelArtifact): Promise<LoadedModel> {
  if (a.format === 'layers-model') return { kind: 'layers', model: await loadModelArtifact(a) };
  const handler = tf.io.fromMemory({
    ...(a.extra ?? {}),
    format: 'graph-model',
    modelTopology: a.modelTopology,
    weightSpecs: a.weightSpecs,
    weightData: a.weightData,
  } as tf.io.ModelArtifacts);
  return { kind: 'graph', model: await tf.loadGraphModel(handler) };
}

/**
 * Builds an artifact from a model.json (text or parsed) and its weight files, concatenated
 * in manifest order, as written by tfjs `model.save` or tensorflowjs_converter
 * (layers-model or graph-model).
 * @throws FormatError when a weight file is missing or the JSON is not a TF.js model.
 */
export function artifactFromModelJson(
  json: ModelJson | string,
  weightFiles: Record<string, ArrayBuffer | Uint8Array> | Map<string, ArrayBuffer | Uint8Array>,
): ModelArtifact {
  const mj = (typeof json === 'string' ? JSON.parse(json) : json) as ModelJson;
  if (!mj || typeof mj.modelTopology !== 'object') throw new FormatError('model.json has no modelTopology');
  const get = (p: string) => (weightFiles instanceof Map ? weightFiles.get(p) : weightFiles[p]);
  const parts: ArrayBuffer[] = [];
  const specs: tf.io.WeightsManifestEntry[] = [];
  for (const group of mj.weightsManifest ?? []) {
    for (const p of group.paths) {
      const file = get(p) ?? get(p.replace(/^\.\//, ''));
      if (!file) throw new FormatError(`weight file ${p} named by model.json is missing`);
      parts.push(toArrayBuffer(file));
    }
    specs.push(...group.weights);
  }
  const { format, modelTopology, weightsManifest: _m, ...extra } = mj;
  const kind = format === 'graph-model' || (format === undefined && 'node' in modelTopology) ? 'graph-model' : 'layers-model';
  return { format: kind, modelTopology, weightSpecs: specs, weightData: tf.io.concatenateArrayBuffers(parts), extra };
}

/** Loads a model.json + weight files (see {@link artifactFromModelJson}). */
export function loadModelJson(
  json: ModelJson | string,
  weightFiles: Record<string, ArrayBuffer | Uint8Array> | Map<string, ArrayBuffer | Uint8Array>,
): Promise<LoadedModel> {
  return loadAnyModel(artifactFromModelJson(json, weightFiles));
}

/** The files `model.save('file://dir')` would write for an artifact: model.json and one weights.bin. */
export function artifactToFiles(a: ModelArtifact): { modelJson: string; weights: Uint8Array } {
  const json: ModelJson = {
    ...(a.extra ?? {}),
    format: a.format,
    generatedBy: `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
    convertedBy: null,
    modelTopology: a.modelTopology,
    weightsManifest: [{ paths: ['./weights.bin'], weights: a.weightSpecs }],
  };
  return { modelJson: JSON.stringify(json), weights: new Uint8Array(a.weightData) };
}
