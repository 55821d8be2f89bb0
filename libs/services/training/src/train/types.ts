/**
 * Plain types shared by the job runner (main thread) and the training worker thread.
 * Nothing here is protobuf: the runner maps the job's messages to these.
 */

import type { ModelIO, ModelSpec, TrainingParams } from '@cityml/ml';

/** The architecture with defaults applied (dense, lstm or gru only: never conv1d here). */
export type NetSpec = ModelSpec & { kind: 'dense' | 'lstm' | 'gru'; hiddenUnits: number[] };
/** Hyperparameters with defaults applied. */
export type TrainParams = TrainingParams & { seed: number };
/** What the network reads and writes. */
export type NetIO = ModelIO;

/** A float32 tensor as bytes and a shape. */
export interface RawTensor {
  data: ArrayBuffer;
  shape: number[];
}

/** One split's tensors. */
export interface SplitData {
  x: RawTensor;
  y: RawTensor;
}

