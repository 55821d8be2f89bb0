import { FormatError } from '../errors';
import type { EpochLog } from './fit';
import { EncodedWeights, packBuffers, unpackBuffers } from './weights';

/** Where a training run stands after an epoch: enough to resume it in another process. */
export interface TrainingCheckpoint {
  /** Epochs completed. */
  epoch: number;
  weights: EncodedWeights;
  /** Optimizer state (moments, iterations); null for a stateless optimizer. */
  optimizer: EncodedWeights | null;
  /** Best validation loss so far, its epoch (1-based) and weights (early stopping). */
  best: { epoch: number; loss: number; weights: EncodedWeights } | null;
  /** Epochs since the best one. */
  wait: number;
  history: EpochLog[];
}

const VERSION = 1;

/** Serializes a checkpoint to bytes (for an artifact store or a job row). */
export function encodeCheckpoint(c: TrainingCheckpoint): Uint8Array {
  const buffers: Record<string, ArrayBuffer> = { weights: c.weights.data };
  if (c.optimizer) buffers.optimizer = c.optimizer.data;
  if (c.best) buffers.best = c.best.weights.data;
  return packBuffers(
    {
      version: VERSION,
      epoch: c.epoch,
      wait: c.wait,
      history: c.history,
      weightSpecs: c.weights.specs,
      optimizerSpecs: c.optimizer?.specs ?? null,
      best: c.best ? { epoch: c.best.epoch, loss: c.best.loss, specs: c.best.weights.specs } : null,
    },
    buffers,
  );
}

/**
 * Reads {@link encodeCheckpoint} output.
 * @throws FormatError on other bytes or another version.
 */
export function decodeCheckpoint(bytes: Uint8Array): TrainingCheckpoint {
  const { header, buffers } = unpackBuffers(bytes);
  const h = header as {
    version: number;
    epoch: number;
    wait: number;
    history: EpochLog[];
    weightSpecs: EncodedWeights['specs'];
    optimizerSpecs: EncodedWeights['specs'] | null;
    best: { epoch: number; loss: number; specs: EncodedWeights['specs'] } | null;
  };
  if (h.version !== VERSION) throw new FormatError(`checkpoint version ${h.version} is not supported`);
  return {
    epoch: h.epoch,
    wait: h.wait,
    history: h.history,
    weights: { specs: h.weightSpecs, data: buffers.weights },
    optimizer: h.optimizerSpecs ? { specs: h.optimizerSpecs, data: buffers.optimizer } : null,
    best: h.best ? { epoch: h.best.epoch, loss: h.best.loss, weights: { specs: h.best.specs, data: buffers.best } } : null,
  };
}
