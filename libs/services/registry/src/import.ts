import * as tf from '@tensorflow/tfjs';
import { initBackend } from '@cityml/ml';
import { BundleError, bundleFromModelJson, encodeBundle, loadBundleModel, BUNDLE_FORMAT, type BundleSignature, type ModelBundle } from '@cityml/ml/bundle';
import { registry } from '@cityml/proto';
import { InvalidArgumentError } from '@cityml/runtime';
import { readArtifact } from './artifacts';
import { createVersion, type Caller, type CatalogDeps } from './catalog';
import { bundleSignature, outputUnits } from './signature';
import { getModel } from './store/models';
import * as check from './validate';

type ModelJson = Parameters<typeof bundleFromModelJson>[0];

function parseModelJson(bytes: Buffer): ModelJson {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw InvalidArgumentError.field('model_json', 'is not JSON');
  }
  const m = parsed as Partial<ModelJson> | null;
  if (!m || typeof m.modelTopology !== 'object' || !m.modelTopology) throw InvalidArgumentError.field('model_json', 'has no modelTopology (a TF.js Layers model.json is needed)');
  if (!Array.isArray(m.weightsManifest)) throw InvalidArgumentError.field('model_json', 'has no weightsManifest');
  return m as ModelJson;
}

/** Why a loaded model does not match its declared signature, or undefined when it does. */
function mismatch(model: tf.LayersModel, s: BundleSignature): string | undefined {
  if (model.inputs.length !== s.inputs.length) return `the model has ${model.inputs.length} inputs, the signature declares ${s.inputs.length}`;
  for (const [i, input] of model.inputs.entries()) {
    const declared = s.inputs[i].shape;
    const actual = input.shape;
    if (actual.length !== declared.length) return `input ${s.inputs[i].name}: the model takes rank ${actual.length} [${actual.map((d) => d ?? -1)}], the signature declares [${declared}]`;
    for (const [j, d] of actual.entries()) {
      if (d !== null && d !== declared[j]) return `input ${s.inputs[i].name}: dimension ${j} is ${d} in the model, ${declared[j]} in the signature`;
    }
  }
  if (model.outputs.length !== 1) return `the model has ${model.outputs.length} outputs; one is supported`;
  const units = model.outputs[0].shape[model.outputs[0].shape.length - 1];
  const wanted = outputUnits(s);
  if (units === null || !wanted.includes(units)) return `the model outputs ${units ?? 'a variable number of'} units, a ${s.outputKind} signature needs ${wanted.join(' or ')}`;
  return undefined;
}

/** Runs one prediction on zeros (variable dimensions as 1); why it failed, or undefined. */
function trialPredict(model: tf.LayersModel, s: BundleSignature): string | undefined {
  return tf.tidy(() => {
    const xs = s.inputs.map((input) => tf.zeros(input.shape.map((d) => (d === -1 ? 1 : d))));
    let out: tf.Tensor | tf.Tensor[];
    try {
      out = model.predict(xs.length === 1 ? xs[0] : xs) as tf.Tensor | tf.Tensor[];
    } catch (err) {
      return `a trial prediction failed: ${(err as Error).message}`.slice(0, 300);
    }
    const values = (Array.isArray(out) ? out[0] : out).dataSync();
    return Array.from(values).every(Number.isFinite) ? undefined : 'a trial prediction on zeros gave non-finite values';
  });
}

/**
 * Imports a TF.js Layers model: model.json plus its already-uploaded weight files,
 * checked against the declared signature (inputs, their order and shape; output units)
 * and by one trial prediction, then stored as a bundle (no fitted transform) and
 * registered READY with source "imported". INVALID_ARGUMENT naming what does not match,
 * NOT_FOUND (model without create_model; weight artifact).
 */
export async function importVersion(deps: CatalogDeps, c: Caller, req: registry.ImportModelVersionRequest): Promise<registry.ModelVersion> {
  check.modelName(req.modelName);
  const signature = bundleSignature(req.signature);
  if (!req.createModel) await getModel(deps.db, c.tenant, req.modelName);
  const modelJson = parseModelJson(req.modelJson);
  const files = new Map<string, Buffer>();
  for (const [i, f] of req.weightFiles.entries()) {
    if (!f.path) throw InvalidArgumentError.field(`weight_files[${i}].path`, 'is required');
    files.set(f.path.replace(/^\.\//, ''), await readArtifact(deps.artifacts, c.tenant, f.artifactId, `weight_files[${i}].artifact_id`));
  }
  let bundle: ModelBundle;
  try {
    bundle = bundleFromModelJson(modelJson, files, signature);
  } catch (err) {
    if (err instanceof BundleError) throw InvalidArgumentError.field('weight_files', err.message);
    throw err;
  }
  bundle.metadata = { source: 'imported', importedAt: new Date().toISOString() };
  await initBackend();
  let model: tf.LayersModel;
  try {
    model = await loadBundleModel(bundle);
  } catch (err) {
    throw InvalidArgumentError.field('model_json', `the model could not be loaded: ${(err as Error).message}`.slice(0, 300));
  }
  try {
    const why = mismatch(model, signature) ?? trialPredict(model, signature);
    if (why) throw InvalidArgumentError.field('signature', why);
  } finally {
    model.dispose();
  }
  const bytes = encodeBundle(bundle);
  const info = await deps.artifacts.put(c.tenant, [bytes], { mediaType: 'application/vnd.cityml.model-bundle' });
  return createVersion(
    deps,
    c,
    registry.CreateModelVersionRequest.fromPartial({
      modelName: req.modelName,
      createModel: req.createModel,
      formatVersion: BUNDLE_FORMAT,
      signature: req.signature,
      tags: req.tags,
      description: req.description,
      status: registry.ModelVersionStatus.MODEL_VERSION_STATUS_READY,
    }),
    { source: 'imported', artifact: { id: info.id, sha256: info.id, size: info.size } },
  );
}
