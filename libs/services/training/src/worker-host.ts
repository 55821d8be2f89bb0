import { Worker } from 'node:worker_threads';
import type { StartMessage, WorkerMessage } from './train/protocol';
import { workerScriptPath } from './worker-path';

type Result = Extract<WorkerMessage, { type: 'result' }>;

/** Callbacks of one training run in a worker thread. */
export interface RunCallbacks {
  onReady(backend: string): void;
  /** The network is built and the first batch starts. */
  onTraining(): void;
  /** Called in order, once per epoch; the run waits for nothing. */
  onEpoch(m: Extract<WorkerMessage, { type: 'epoch' }>): void;
}

/** A worker-thread failure; `permanent` ones are not retried. */
export class TrainingFailure extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
  ) {
    super(message);
    this.name = 'TrainingFailure';
  }
}

/**
 * A training worker thread, spawned before the job's tensors are downloaded so that
 * loading TF.js and the wasm backend overlaps the downloads.
 */
export class TrainingWorker {
  private readonly worker = new Worker(workerScriptPath(), { stdout: false, stderr: false });

  /** Ends the thread (when the job fails before it starts). */
  terminate(): Promise<number> {
    return this.worker.terminate();
  }

  /**
   * Trains one job in this thread (never on the event loop that answers RPCs). Buffers in
   * `msg` are transferred. Aborting `signal` sets the shared cancel flag (the worker stops
   * before its next batch) and terminates the thread if it has not ended 5 s later.
   * @returns the result, or 'cancelled'.
   */
  run(msg: Omit<StartMessage, 'cancel' | 'type'>, transfer: ArrayBuffer[], signal: AbortSignal, cb: RunCallbacks): Promise<Result | 'cancelled'> {
    const worker = this.worker;
    return new Promise((resolve, reject) => {
      const cancel = new SharedArrayBuffer(4);
      const flag = new Int32Array(cancel);
      let settled = false;
      let killTimer: NodeJS.Timeout | undefined;
      const finish = (fn: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(killTimer);
        signal.removeEventListener('abort', onAbort);
        fn();
      };
      const onAbort = () => {
        Atomics.store(flag, 0, 1);
        killTimer = setTimeout(() => void worker.terminate(), 5000);
        killTimer.unref();
      };
      signal.addEventListener('abort', onAbort);
      if (signal.aborted) onAbort();
      worker.on('message', (m: WorkerMessage) => {
        if (m.type === 'ready') cb.onReady(m.backend);
        else if (m.type === 'training') cb.onTraining();
        else if (m.type === 'epoch') cb.onEpoch(m);
        else if (m.type === 'result') finish(() => resolve(m));
        else if (m.type === 'cancelled') finish(() => resolve('cancelled'));
        else if (m.type === 'error') finish(() => reject(new TrainingFailure(m.message, m.permanent)));
      });
      worker.on('error', (err) => finish(() => reject(new TrainingFailure(`training worker crashed: ${err.message}`, false))));
      worker.on('exit', (code) =>
        finish(() => (signal.aborted ? resolve('cancelled') : reject(new TrainingFailure(`training worker exited with code ${code}`, false)))),
      );
      worker.postMessage({ ...msg, type: 'start', cancel } satisfies StartMessage, transfer);
    });
  }
}
