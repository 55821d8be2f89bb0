import * as tf from '@tensorflow/tfjs';
import { isClassTask } from '../transforms/target';
import { SeededDropout } from './seeded-dropout';
import { MODEL_DEFAULTS, ModelIO, ModelSpec, TrainingParams } from './spec';

function initializer(seed: number | undefined, k: number) {
  return seed === undefined ? 'glorotUniform' : tf.initializers.glorotUniform({ seed: seed + k });
}

function dropoutLayer(rate: number, seed: number | undefined, k: number): tf.layers.Layer {
  return seed === undefined ? tf.layers.dropout({ rate }) : new SeededDropout({ rate, seed: seed + 1000 + k });
}

/**
 * Builds the network for a spec: the body (dense stack, LSTM / GRU, or Conv1D with global
 * max pooling, then the hidden dense layers) and the task's head: linear units for
 * regression and forecast (H outputs), softmax over the classes for classification.
 * `seed` makes every initializer and dropout mask reproducible. Call
 * {@link validateModelSpec} first. The model is not compiled.
 */
export function buildModel(spec: ModelSpec, io: ModelIO, seed?: number): tf.Sequential {
  const model = tf.sequential();
  const l2 = spec.l2 ?? 0;
  const regularizer = () => (l2 > 0 ? tf.regularizers.l2({ l2 }) : undefined);
  const activation = spec.activation ?? MODEL_DEFAULTS.activation;
  let k = 0;
  let first = true;
  const inputShape = () => (first ? { inputShape: io.inputShape } : {});
  if (spec.kind === 'lstm' || spec.kind === 'gru') {
    const args = {
      ...inputShape(),
      units: spec.recurrentUnits ?? MODEL_DEFAULTS.recurrentUnits,
      kernelInitializer: initializer(seed, k++),
      recurrentInitializer: seed === undefined ? 'orthogonal' : tf.initializers.orthogonal({ seed: seed + k++ }),
      kernelRegularizer: regularizer(),
    };
    model.add(spec.kind === 'lstm' ? tf.layers.lstm(args) : tf.layers.gru(args));
    first = false;
  } else if (spec.kind === 'conv1d') {
    model.add(
      tf.layers.conv1d({
        ...inputShape(),
        filters: spec.filters ?? MODEL_DEFAULTS.filters,
        kernelSize: spec.kernelSize ?? MODEL_DEFAULTS.kernelSize,
        activation,
        kernelInitializer: initializer(seed, k++),
        kernelRegularizer: regularizer(),
      }),
    );
    model.add(tf.layers.globalMaxPooling1d({}));
    first = false;
  }
  for (const units of spec.hiddenUnits ?? []) {
    model.add(tf.layers.dense({ ...inputShape(), units, activation, kernelInitializer: initializer(seed, k++), kernelRegularizer: regularizer() }));
    first = false;
    if (spec.dropout) model.add(dropoutLayer(spec.dropout, seed, k));
  }
  const classes = isClassTask(io.task);
  model.add(
    tf.layers.dense({
      ...inputShape(),
      units: io.outputSize,
      activation: classes ? 'softmax' : 'linear',
      kernelInitializer: initializer(seed, k++),
    }),
  );
  return model;
}

/** The loss of a task: sparse categorical cross-entropy for classes, mean squared error otherwise. */
export function lossFor(task: ModelIO['task']): string {
  return isClassTask(task) ? 'sparseCategoricalCrossentropy' : 'meanSquaredError';
}

/** The metric compiled in beside the loss: accuracy for classes, MAE otherwise. */
export function metricFor(task: ModelIO['task']): 'acc' | 'mae' {
  return isClassTask(task) ? 'acc' : 'mae';
}

/** A fresh optimizer for the hyperparameters. */
export function makeOptimizer(params: Pick<TrainingParams, 'optimizer' | 'learningRate'>): tf.Optimizer {
  if (params.optimizer === 'sgd') return tf.train.sgd(params.learningRate);
  if (params.optimizer === 'rmsprop') return tf.train.rmsprop(params.learningRate);
  return tf.train.adam(params.learningRate);
}

/** Compiles a model with the task's loss and metric and the given optimizer. */
export function compileModel(model: tf.LayersModel, task: ModelIO['task'], params: Pick<TrainingParams, 'optimizer' | 'learningRate'>): void {
  model.compile({ optimizer: makeOptimizer(params), loss: lossFor(task), metrics: [metricFor(task)] });
}
