import {
  buildModel,
  decodeCheckpoint,
  deserializeTransform,
  encodeCheckpoint,
  initBackend,
  runModel,
  signatureFor,
  trainModel,
  type AppliedFeatures,
  type FittedTransform,
} from '@cityml/ml';
import { bundleFromModel, decodeBundle, encodeBundle, loadBundleModel } from '@cityml/ml/bundle';
import { evaluationOf, persistenceFromFeatures } from './evaluate';
import type { StartMessage, WorkerMessage } from './protocol';
import type { SplitData } from './types';

type Post = (m: WorkerMessage, transfer?: ArrayBuffer[]) => void;

/** An ArrayBuffer holding exactly `u`'s bytes (a copy unless `u` spans its whole buffer; Buffers may share a pool). */
const bufferOf = (u: Uint8Array): ArrayBuffer =>
  u.byteOffset === 0 && u.byteLength === u.buffer.byteLength && !Buffer.isBuffer(u) ? (u.buffer as ArrayBuffer) : (new Uint8Array(u).buffer as ArrayBuffer);

function applied(fitted: FittedTransform, s: SplitData): AppliedFeatures {
  return { x: new Float32Array(s.x.data), shape: s.x.shape, featureNames: fitted.featureNames, y: new Float32Array(s.y.data), yShape: s.y.shape };
}

/** Re-scores the production bundle on this test split when it reads the same inputs and classes. */
async function scoreProduction(msg: StartMessage, fitted: FittedTransform, test: AppliedFeatures): Promise<NonNullable<Extract<WorkerMessage, { type: 'result' }>['production']>> {
  const bundle = decodeBundle(Buffer.from(msg.production as ArrayBuffer));
  const want = JSON.stringify([-1, ...fitted.inputShape]);
  const have = JSON.stringify(bundle.signature.inputs[0]?.shape ?? []);
  if (want !== have) return { incompatible: `production reads inputs of shape ${have}, this feature set has ${want}` };
  const labels = fitted.target.kind === 'classes' ? fitted.target.classes : [];
  if (JSON.stringify(bundle.signature.classLabels ?? []) !== JSON.stringify(labels)) return { incompatible: 'production predicts other class labels' };
  const model = await loadBundleModel(bundle);
  try {
    // production's outputs are mapped to units by its own fitted transform
    const prodFitted = bundle.transform ? deserializeTransform(bundle.transform as object) : fitted;
    const outputs = await runModel(model, test.x, test.shape);
    const units = { ...fitted, target: prodFitted.target };
    return { evaluation: evaluationOf(units, test, outputs) };
  } finally {
    model.dispose();
  }
}

/**
 * The worker thread's job: builds the network (libs/ml), trains it with a checkpoint per
 * epoch (resuming from `msg.checkpoint`), stops when the shared cancel flag is set,
 * evaluates on the test split against baselines and the production version, and posts
 * the model bundle.
 */
export async function runTraining(msg: StartMessage, post: Post): Promise<void> {
  const backend = await initBackend();
  post({ type: 'ready', backend });
  const cancel = new Int32Array(msg.cancel);
  const fitted = deserializeTransform(msg.transform as object);
  const model = buildModel(msg.spec, msg.io, msg.params.seed);
  const train = applied(fitted, msg.train);
  const validation = applied(fitted, msg.validation);
  post({ type: 'training' });
  const result = await trainModel(model, {
    task: msg.io.task,
    params: msg.params,
    train,
    validation: validation.shape[0] > 0 ? validation : undefined,
    resumeFrom: msg.checkpoint ? decodeCheckpoint(new Uint8Array(msg.checkpoint)) : undefined,
    shouldStop: () => Atomics.load(cancel, 0) !== 0,
    onCheckpoint: (c) => {
      const bytes = bufferOf(encodeCheckpoint(c));
      post({ type: 'epoch', metrics: c.history[c.history.length - 1], checkpoint: bytes }, [bytes]);
    },
  });
  if (result.cancelled || Atomics.load(cancel, 0)) {
    post({ type: 'cancelled' });
    return;
  }
  const test = applied(fitted, msg.test);
  if (fitted.task === 'forecast') {
    const persistence = msg.persistence ? new Float32Array(msg.persistence) : persistenceFromFeatures(fitted, test);
    if (persistence) test.baselines = { persistence, seasonalNaive: msg.seasonalNaive ? new Float32Array(msg.seasonalNaive) : null };
  }
  const outputs = await runModel(model, test.x, test.shape);
  const evaluation = evaluationOf(fitted, test, outputs, train);
  const production = msg.production ? await scoreProduction(msg, fitted, test) : undefined;
  const bundle = encodeBundle(await bundleFromModel(model, signatureFor(fitted), msg.transform, msg.metadata));
  const out = bufferOf(bundle);
  post({ type: 'result', evaluation, production, bundle: out, stoppedEarly: result.stoppedEarly, bestEpoch: result.bestEpoch ?? result.epochsRun, epochsRun: result.epochsRun }, [out]);
  model.dispose();
}
