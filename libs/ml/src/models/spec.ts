import { backendCapabilities } from '../backend';
import { ModelSpecError, UnsupportedError } from '../errors';
import type { Task } from '../transforms/spec';

/** Network families. dense: flat inputs; lstm / gru / conv1d: sequence inputs [steps, features]. */
export type ModelKind = 'dense' | 'lstm' | 'gru' | 'conv1d';
/** Activation of hidden dense layers. */
export type Activation = 'relu' | 'tanh' | 'sigmoid' | 'elu' | 'selu' | 'linear';

/** The network architecture (the head and loss follow from the task). */
export interface ModelSpec {
  kind: ModelKind;
  /** Hidden dense layer sizes (after the recurrent / conv layer for sequence kinds). */
  hiddenUnits?: number[];
  /** Default relu. */
  activation?: Activation;
  /** Dropout rate after each hidden layer, in [0, 0.9]. */
  dropout?: number;
  /** L2 penalty on kernels. */
  l2?: number;
  /** lstm / gru units (default 32). */
  recurrentUnits?: number;
  /** conv1d filters (default 32) and kernel size (default 3). */
  filters?: number;
  kernelSize?: number;
}

/** What the model reads and writes: from the fitted transform (task, inputShape, outputSize). */
export interface ModelIO {
  task: Task;
  /** One example's shape without the batch axis. */
  inputShape: number[];
  /** 1 for regression, the class count, or the forecast horizon. */
  outputSize: number;
}

/** Training hyperparameters. */
export interface TrainingParams {
  epochs: number;
  batchSize: number;
  learningRate: number;
  optimizer: 'adam' | 'sgd' | 'rmsprop';
  /** Stop when the validation loss has not improved by minDelta for `patience` epochs; restores the best weights. */
  earlyStopping?: { patience: number; minDelta?: number };
  /** Seeds initializers, dropout masks and shuffles; the same seed gives the same run. */
  seed?: number;
}

/** Upper bounds a service enforces on submitted jobs. */
export interface ModelLimits {
  maxEpochs: number;
  maxParams: number;
  maxBatchSize: number;
}

/** Default limits. */
export const DEFAULT_LIMITS: ModelLimits = { maxEpochs: 1000, maxParams: 5_000_000, maxBatchSize: 8192 };

/** Defaults of optional model fields. */
export const MODEL_DEFAULTS = { activation: 'relu' as Activation, recurrentUnits: 32, filters: 32, kernelSize: 3 };

const KINDS: ModelKind[] = ['dense', 'lstm', 'gru', 'conv1d'];
const ACTIVATIONS: Activation[] = ['relu', 'tanh', 'sigmoid', 'elu', 'selu', 'linear'];
const isInt = (v: unknown, min: number) => typeof v === 'number' && Number.isInteger(v) && v >= min;

/** Exact trainable + non-trainable parameter count of the network {@link buildModel} makes. */
export function countParams(spec: ModelSpec, io: ModelIO): number {
  const features = io.inputShape[io.inputShape.length - 1];
  let total = 0;
  let width = features;
  if (spec.kind === 'lstm' || spec.kind === 'gru') {
    const u = spec.recurrentUnits ?? MODEL_DEFAULTS.recurrentUnits;
    total += (spec.kind === 'lstm' ? 4 : 3) * (u * (features + u) + u);
    width = u;
  } else if (spec.kind === 'conv1d') {
    const f = spec.filters ?? MODEL_DEFAULTS.filters;
    total += f * ((spec.kernelSize ?? MODEL_DEFAULTS.kernelSize) * features + 1);
    width = f;
  }
  for (const h of [...(spec.hiddenUnits ?? []), io.outputSize]) {
    total += (width + 1) * h;
    width = h;
  }
  return total;
}

function checkArchitecture(spec: ModelSpec, io: ModelIO): void {
  if (!KINDS.includes(spec.kind)) throw new ModelSpecError('kind', `kind must be one of ${KINDS.join(', ')}`);
  const sequence = spec.kind !== 'dense';
  if (sequence && io.inputShape.length !== 2) throw new ModelSpecError('kind', `${spec.kind} needs the sequence layout [steps, features]`);
  if (!sequence && io.inputShape.length !== 1) throw new ModelSpecError('kind', 'dense needs flat features; use lstm or gru for the sequence layout');
  (spec.hiddenUnits ?? []).forEach((h, i) => {
    if (!isInt(h, 1)) throw new ModelSpecError(`hiddenUnits[${i}]`, 'a layer size must be a positive integer');
  });
  if (spec.activation !== undefined && !ACTIVATIONS.includes(spec.activation)) {
    throw new ModelSpecError('activation', `activation must be one of ${ACTIVATIONS.join(', ')}`);
  }
  if (spec.dropout !== undefined && !(spec.dropout >= 0 && spec.dropout <= 0.9)) throw new ModelSpecError('dropout', 'dropout must be in [0, 0.9]');
  if (spec.l2 !== undefined && !(spec.l2 >= 0 && spec.l2 <= 1)) throw new ModelSpecError('l2', 'l2 must be in [0, 1]');
  if (spec.recurrentUnits !== undefined && !isInt(spec.recurrentUnits, 1)) throw new ModelSpecError('recurrentUnits', 'must be a positive integer');
  if (spec.filters !== undefined && !isInt(spec.filters, 1)) throw new ModelSpecError('filters', 'must be a positive integer');
  if (spec.kernelSize !== undefined && !isInt(spec.kernelSize, 1)) throw new ModelSpecError('kernelSize', 'must be a positive integer');
  if (!isInt(io.outputSize, 1)) throw new ModelSpecError('outputSize', 'the output size must be a positive integer');
}

function checkParams(params: TrainingParams, limits: ModelLimits): void {
  if (!isInt(params.epochs, 1) || params.epochs > limits.maxEpochs) throw new ModelSpecError('epochs', `epochs must be in 1..${limits.maxEpochs}`);
  if (!isInt(params.batchSize, 1) || params.batchSize > limits.maxBatchSize) {
    throw new ModelSpecError('batchSize', `batchSize must be in 1..${limits.maxBatchSize}`);
  }
  if (!(params.learningRate > 0 && params.learningRate <= 10)) throw new ModelSpecError('learningRate', 'learningRate must be in (0, 10]');
  if (!['adam', 'sgd', 'rmsprop'].includes(params.optimizer)) throw new ModelSpecError('optimizer', 'optimizer must be adam, sgd or rmsprop');
  const es = params.earlyStopping;
  if (es && (!isInt(es.patience, 1) || (es.minDelta !== undefined && !(es.minDelta >= 0)))) {
    throw new ModelSpecError('earlyStopping.patience', 'patience must be a positive integer and minDelta >= 0');
  }
  if (params.seed !== undefined && !Number.isInteger(params.seed)) throw new ModelSpecError('seed', 'the seed must be an integer');
}

/**
 * Checks an architecture and its hyperparameters against the limits and the backend.
 * @returns the parameter count.
 * @throws ModelSpecError (INVALID_ARGUMENT) naming the field (`epochs`, `batchSize`,
 * `hiddenUnits[1]`, `params` for too many parameters, …).
 * @throws UnsupportedError when the backend cannot train the kind (conv1d on wasm).
 */
export function validateModelSpec(
  spec: ModelSpec,
  io: ModelIO,
  params: TrainingParams,
  options: { limits?: Partial<ModelLimits>; backend?: string } = {},
): number {
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  checkArchitecture(spec, io);
  checkParams(params, limits);
  const count = countParams(spec, io);
  if (count > limits.maxParams) throw new ModelSpecError('params', `the model has ${count} parameters, the limit is ${limits.maxParams}`);
  if (spec.kind === 'conv1d' && !backendCapabilities(options.backend).conv1d) {
    throw new UnsupportedError(
      `conv1d cannot train on the ${options.backend ?? 'current'} backend (no Conv2DBackpropFilter kernel); use lstm or gru`,
    );
  }
  return count;
}
