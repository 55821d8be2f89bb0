import type { evaluation } from '@cityml/proto';
import type { EpochLog } from '@cityml/ml';
import type { NetIO, NetSpec, SplitData, TrainParams } from './types';

/** Main thread → worker: everything one job needs (buffers are transferred). */
export interface StartMessage {
  type: 'start';
  jobId: string;
  spec: NetSpec;
  params: TrainParams;
  io: NetIO;
  train: SplitData;
  validation: SplitData;
  test: SplitData;
  featureNames: string[];
  classLabels: string[];
  /** The fitted transform (its JSON object). */
  transform: unknown;
  /** Forecast baselines of the test split in target units. */
  persistence?: ArrayBuffer;
  seasonalNaive?: ArrayBuffer;
  /** The checkpoint to resume from. */
  checkpoint?: ArrayBuffer;
  /** The production version's bundle, re-scored on this test split. */
  production?: ArrayBuffer;
  /** Int32Array[1]: set to 1 to stop within the current batch. */
  cancel: SharedArrayBuffer;
  metadata: Record<string, unknown>;
}

/** Worker → main thread messages. */
export type WorkerMessage =
  | { type: 'ready'; backend: string }
  | { type: 'training' }
  | { type: 'epoch'; metrics: EpochLog; checkpoint: ArrayBuffer }
  | {
      type: 'result';
      evaluation: evaluation.Evaluation;
      /** The production version re-scored, or why it could not be. */
      production?: { evaluation?: evaluation.Evaluation; incompatible?: string };
      bundle: ArrayBuffer;
      stoppedEarly: boolean;
      bestEpoch: number;
      epochsRun: number;
    }
  | { type: 'cancelled' }
  | { type: 'error'; message: string; permanent: boolean };
