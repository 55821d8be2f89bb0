import { training } from '@cityml/proto';
import { InvalidArgumentError } from '@cityml/runtime';
import { countParams } from '@cityml/ml';
import type { NetIO, NetSpec, TrainParams } from './train/types';

/** Upper bounds of a submitted job. */
export interface TrainingLimits {
  maxEpochs: number;
  maxBatchSize: number;
  maxParameters: number;
  maxLayers: number;
  maxUnits: number;
}

/** Default limits (values past them are INVALID_ARGUMENT naming the field). */
export const DEFAULT_TRAINING_LIMITS: TrainingLimits = { maxEpochs: 1000, maxBatchSize: 8192, maxParameters: 5_000_000, maxLayers: 16, maxUnits: 4096 };

/** Defaults of fields left at zero. */
export const DEFAULTS = { hiddenUnits: [64, 32], activation: 'relu', recurrentUnits: 32, epochs: 20, batchSize: 32, learningRate: 0.001 } as const;

const ACTIVATIONS = ['relu', 'tanh', 'sigmoid', 'elu'] as const;
const bad = (field: string, reason: string) => InvalidArgumentError.field(field, reason);

const KIND: Record<number, NetSpec['kind'] | undefined> = {
  [training.ModelKind.MODEL_KIND_UNSPECIFIED]: 'dense',
  [training.ModelKind.MODEL_KIND_DENSE]: 'dense',
  [training.ModelKind.MODEL_KIND_LSTM]: 'lstm',
  [training.ModelKind.MODEL_KIND_GRU]: 'gru',
};

const OPTIMIZER: Record<number, TrainParams['optimizer'] | undefined> = {
  [training.Optimizer.OPTIMIZER_UNSPECIFIED]: 'adam',
  [training.Optimizer.OPTIMIZER_ADAM]: 'adam',
  [training.Optimizer.OPTIMIZER_SGD]: 'sgd',
  [training.Optimizer.OPTIMIZER_RMSPROP]: 'rmsprop',
};

/**
 * The architecture of a request with defaults applied, checked against the feature
 * set's layout. Dense reads the flat layout; LSTM and GRU read the sequence layout.
 * There is no Conv1D or Embedding kind: their gradients are missing on the wasm backend.
 * @throws InvalidArgumentError naming the field (model.kind, model.hidden_units[i], …).
 */
export function netSpecOf(m: training.ModelSpec | undefined, io: NetIO, limits: TrainingLimits = DEFAULT_TRAINING_LIMITS): NetSpec {
  const kind = KIND[m?.kind ?? 0];
  if (!kind) throw bad('model.kind', 'must be MODEL_KIND_DENSE, MODEL_KIND_LSTM or MODEL_KIND_GRU');
  const sequence = io.inputShape.length === 2;
  if (kind !== 'dense' && !sequence) throw bad('model.kind', `${kind} needs a feature set with the sequence layout [steps, features]; this one is flat`);
  if (kind === 'dense' && sequence) throw bad('model.kind', 'a dense network needs the flat layout; use MODEL_KIND_LSTM or MODEL_KIND_GRU for the sequence layout');
  const hidden = m?.hiddenUnits?.length ? m.hiddenUnits : [...DEFAULTS.hiddenUnits];
  if (hidden.length > limits.maxLayers) throw bad('model.hidden_units', `at most ${limits.maxLayers} hidden layers`);
  hidden.forEach((h, i) => {
    if (!Number.isInteger(h) || h < 1 || h > limits.maxUnits) throw bad(`model.hidden_units[${i}]`, `a layer size must be in 1..${limits.maxUnits}`);
  });
  const activation = (m?.activation || DEFAULTS.activation) as (typeof ACTIVATIONS)[number];
  if (!ACTIVATIONS.includes(activation)) throw bad('model.activation', `must be one of ${ACTIVATIONS.join(', ')}`);
  const dropout = m?.dropout ?? 0;
  if (!(dropout >= 0 && dropout <= 0.9)) throw bad('model.dropout', 'must be in [0, 0.9]');
  const l2 = m?.l2 ?? 0;
  if (!(l2 >= 0 && l2 <= 1)) throw bad('model.l2', 'must be in [0, 1]');
  const recurrentUnits = m?.recurrentUnits || DEFAULTS.recurrentUnits;
  if (recurrentUnits > limits.maxUnits) throw bad('model.recurrent_units', `must be in 1..${limits.maxUnits}`);
  const spec: NetSpec = { kind, hiddenUnits: hidden, activation, dropout, l2, recurrentUnits };
  const count = countParams(spec, io);
  if (count > limits.maxParameters) throw bad('model.hidden_units', `the network has ${count} parameters; the limit is ${limits.maxParameters}`);
  return spec;
}

/**
 * Hyperparameters with defaults applied (epochs 20, batch 32, learning rate 0.001, adam).
 * @throws InvalidArgumentError naming the field (hyperparameters.epochs, …).
 */
export function trainParamsOf(h: training.Hyperparameters | undefined, limits: TrainingLimits = DEFAULT_TRAINING_LIMITS): TrainParams {
  const epochs = h?.epochs || DEFAULTS.epochs;
  if (epochs > limits.maxEpochs) throw bad('hyperparameters.epochs', `must be in 1..${limits.maxEpochs}`);
  const batchSize = h?.batchSize || DEFAULTS.batchSize;
  if (batchSize > limits.maxBatchSize) throw bad('hyperparameters.batch_size', `must be in 1..${limits.maxBatchSize}`);
  const learningRate = h?.learningRate || DEFAULTS.learningRate;
  if (!(learningRate > 0 && learningRate <= 10)) throw bad('hyperparameters.learning_rate', 'must be in (0, 10]');
  const optimizer = OPTIMIZER[h?.optimizer ?? 0];
  if (!optimizer) throw bad('hyperparameters.optimizer', 'must be OPTIMIZER_ADAM, OPTIMIZER_SGD or OPTIMIZER_RMSPROP');
  const patience = h?.earlyStoppingPatience ?? 0;
  if (patience > epochs) throw bad('hyperparameters.early_stopping_patience', 'must not exceed the epochs');
  const seed = h?.seed ?? 0;
  if (!Number.isSafeInteger(seed) || seed < 0) throw bad('hyperparameters.seed', 'must be a non-negative integer');
  return { epochs, batchSize, learningRate, optimizer, seed, ...(patience > 0 ? { earlyStopping: { patience } } : {}) };
}

/** The stored (and reported) form of the architecture. */
export function netSpecToProto(s: NetSpec): training.ModelSpec {
  const kind = s.kind === 'lstm' ? training.ModelKind.MODEL_KIND_LSTM : s.kind === 'gru' ? training.ModelKind.MODEL_KIND_GRU : training.ModelKind.MODEL_KIND_DENSE;
  return { kind, hiddenUnits: s.hiddenUnits, activation: s.activation ?? DEFAULTS.activation, dropout: s.dropout ?? 0, l2: s.l2 ?? 0, recurrentUnits: s.kind === 'dense' ? 0 : (s.recurrentUnits ?? DEFAULTS.recurrentUnits) };
}

/** The stored (and reported) form of the hyperparameters. */
export function trainParamsToProto(p: TrainParams): training.Hyperparameters {
  const optimizer = { adam: training.Optimizer.OPTIMIZER_ADAM, sgd: training.Optimizer.OPTIMIZER_SGD, rmsprop: training.Optimizer.OPTIMIZER_RMSPROP }[p.optimizer];
  return { epochs: p.epochs, batchSize: p.batchSize, learningRate: p.learningRate, optimizer, earlyStoppingPatience: p.earlyStopping?.patience ?? 0, seed: p.seed };
}

/** Reads the stored JSON forms back. */
export function storedSpec(modelSpec: unknown, hyperparameters: unknown): { spec: NetSpec; params: TrainParams } {
  const m = training.ModelSpec.fromJSON(modelSpec);
  const h = training.Hyperparameters.fromJSON(hyperparameters);
  const kind = KIND[m.kind] ?? 'dense';
  return {
    spec: { kind, hiddenUnits: m.hiddenUnits, activation: (m.activation || DEFAULTS.activation) as NetSpec['activation'], dropout: m.dropout, l2: m.l2, recurrentUnits: m.recurrentUnits || DEFAULTS.recurrentUnits },
    params: {
      epochs: h.epochs,
      batchSize: h.batchSize,
      learningRate: h.learningRate,
      optimizer: OPTIMIZER[h.optimizer] ?? 'adam',
      seed: h.seed,
      ...(h.earlyStoppingPatience > 0 ? { earlyStopping: { patience: h.earlyStoppingPatience } } : {}),
    },
  };
}
