import { CancelledError, DeadlineExceededError } from '@cityml/runtime';
import type { BatchSettings } from './settings';
import type { Prepared } from './servable';

/** Runs one batch: row-major inputs of `examples` examples → row-major outputs. */
export type BatchRunner = (inputs: Float32Array[], examples: number) => Float32Array;

interface Item {
  prepared: Prepared;
  enqueuedAt: number;
  resolve(out: Float32Array): void;
  reject(err: unknown): void;
  cleanup(): void;
}

/** What a batcher reports (metrics). */
export interface BatcherHooks {
  onBatch?(examples: number, requests: number): void;
  onDepth?(requests: number): void;
}

/**
 * Dynamic batching of one model version: requests queue and run as one model.predict
 * when `maxBatchSize` examples are waiting or the first one has waited `maxQueueDelayMs`.
 * One batcher serves one model, so a batch never mixes models. A request whose deadline
 * passes, or whose caller cancels, leaves the queue at once (DEADLINE_EXCEEDED / CANCELLED).
 */
export class Batcher {
  private queue: Item[] = [];
  private queuedExamples = 0;
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;

  constructor(
    private readonly runner: BatchRunner,
    private readonly sizes: readonly number[],
    private readonly outputWidth: number,
    readonly settings: BatchSettings,
    private readonly hooks: BatcherHooks = {},
  ) {}

  /** Requests waiting. */
  get depth(): number {
    return this.queue.length;
  }

  /**
   * Queues one request's inputs; resolves with its rows of the batch output.
   * @throws DeadlineExceededError when `deadline` passes first; CancelledError when `signal` aborts.
   */
  submit(prepared: Prepared, options: { signal?: AbortSignal; deadline?: Date } = {}): Promise<Float32Array> {
    const { signal, deadline } = options;
    if (deadline && deadline.getTime() <= Date.now()) return Promise.reject(new DeadlineExceededError('the deadline passed before the request was queued'));
    if (signal?.aborted) return Promise.reject(abortError(signal));
    return new Promise<Float32Array>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const expired = () => new DeadlineExceededError('the deadline passed while the request waited for its batch');
      const onAbort = () => this.drop(item, deadline && Date.now() >= deadline.getTime() - 5 ? expired() : abortError(signal));
      const item: Item = {
        prepared,
        enqueuedAt: performance.now(),
        resolve,
        reject,
        cleanup: () => {
          if (timer) clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
        },
      };
      if (deadline) timer = setTimeout(() => this.drop(item, expired()), Math.max(0, deadline.getTime() - Date.now() - 2));
      signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(item);
      this.queuedExamples += prepared.examples;
      this.hooks.onDepth?.(this.queue.length);
      this.schedule();
    });
  }

  /** Rejects everything still queued (the model is going away). */
  close(err: unknown): void {
    this.clearTimers();
    for (const item of this.queue.splice(0)) {
      item.cleanup();
      item.reject(err);
    }
    this.queuedExamples = 0;
    this.hooks.onDepth?.(0);
  }

  private drop(item: Item, err: unknown): void {
    const i = this.queue.indexOf(item);
    if (i < 0) return;
    this.queue.splice(i, 1);
    this.queuedExamples -= item.prepared.examples;
    item.cleanup();
    item.reject(err);
    this.hooks.onDepth?.(this.queue.length);
    if (this.queue.length === 0) this.clearTimers();
  }

  private clearTimers(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = this.immediate = undefined;
  }

  private schedule(): void {
    if (this.queue.length === 0 || this.immediate) return;
    const waited = performance.now() - this.queue[0].enqueuedAt;
    const { maxBatchSize, maxQueueDelayMs } = this.settings;
    if (this.queuedExamples >= maxBatchSize || waited >= maxQueueDelayMs) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = undefined;
      this.immediate = setImmediate(() => {
        this.immediate = undefined;
        this.flush();
      });
    } else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.flush();
      }, maxQueueDelayMs - waited);
    }
  }

  private take(): Item[] {
    const batch: Item[] = [];
    let examples = 0;
    while (this.queue.length) {
      const next = this.queue[0].prepared.examples;
      if (batch.length > 0 && examples + next > this.settings.maxBatchSize) break;
      batch.push(this.queue.shift() as Item);
      examples += next;
    }
    this.queuedExamples -= examples;
    return batch;
  }

  private flush(): void {
    const batch = this.take();
    this.hooks.onDepth?.(this.queue.length);
    if (batch.length) this.runBatch(batch);
    this.schedule();
  }

  private runBatch(batch: Item[]): void {
    for (const item of batch) item.cleanup();
    const examples = batch.reduce((n, it) => n + it.prepared.examples, 0);
    let out: Float32Array;
    try {
      const inputs = batch.length === 1 ? batch[0].prepared.inputs : this.sizes.map((k, i) => concat(batch.map((it) => it.prepared.inputs[i]), examples * k));
      out = this.runner(inputs, examples);
    } catch (err) {
      for (const item of batch) item.reject(err);
      return;
    }
    this.hooks.onBatch?.(examples, batch.length);
    let row = 0;
    for (const item of batch) {
      const n = item.prepared.examples;
      item.resolve(out.subarray(row * this.outputWidth, (row + n) * this.outputWidth));
      row += n;
    }
  }
}

function concat(parts: Float32Array[], length: number): Float32Array {
  const out = new Float32Array(length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function abortError(signal: AbortSignal | undefined): unknown {
  const reason = signal?.reason;
  if (reason instanceof DeadlineExceededError || reason instanceof CancelledError) return reason;
  return new CancelledError('the caller cancelled the request');
}
