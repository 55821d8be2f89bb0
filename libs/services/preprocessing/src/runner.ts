import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { CancelledError, CityMLError, InvalidArgumentError, NotFoundError, FailedPreconditionError } from '@cityml/runtime';
import type { FeatureSetResult, FeatureSetRow } from './result';
import type { FeatureSetStore } from './store';

/** Runs one claimed feature set; reports progress through `progress`. */
export type Executor = (row: FeatureSetRow, progress: (p: number) => void, signal: AbortSignal) => Promise<FeatureSetResult>;

/** Settings of a {@link Runner}. */
export interface RunnerOptions {
  /** How long a claim lasts without a heartbeat (default 30 s). */
  leaseMs?: number;
  /** Poll interval when no NOTIFY arrives (default 5 s). */
  pollMs?: number;
  /** Attempts before a feature set that keeps hitting transient errors is FAILED (default 5). */
  maxAttempts?: number;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });

/** Errors that will not go away by retrying: the feature set FAILS with their message. */
function isPermanent(err: unknown): boolean {
  return err instanceof InvalidArgumentError || err instanceof NotFoundError || err instanceof FailedPreconditionError;
}

/**
 * The materialization queue's worker. It claims PENDING feature sets (and RUNNING ones whose
 * lease expired: their runner died) with `for update skip locked`, so replicas never run the
 * same one; it renews the lease with each progress heartbeat, and on close gives its claim
 * back so another replica (or the next start) resumes it at once.
 */
export class Runner {
  readonly owner = `${process.pid}-${randomUUID()}`;
  private readonly stop = new AbortController();
  private wakeUp: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private readonly maxAttempts: number;

  constructor(
    private readonly store: FeatureSetStore,
    private readonly execute: Executor,
    private readonly log: Logger,
    options: RunnerOptions = {},
  ) {
    this.leaseMs = options.leaseMs ?? 30_000;
    this.pollMs = options.pollMs ?? 5_000;
    this.maxAttempts = options.maxAttempts ?? 5;
  }

  /** Starts the loop (idempotent). */
  start(): void {
    this.loop ??= this.run();
  }

  /** Makes an idle loop look for work now (a feature set was created). */
  wake(): void {
    this.wakeUp?.();
  }

  /** Stops claiming, aborts the running feature set and releases it to the queue. */
  async close(): Promise<void> {
    this.stop.abort();
    this.wakeUp?.();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (!this.stop.signal.aborted) {
      let row: FeatureSetRow | undefined;
      try {
        row = await this.store.claim(this.owner, this.leaseMs);
      } catch (err) {
        this.log.warn({ err }, 'claiming a feature set failed; retrying');
      }
      if (row) {
        await this.runOne(row);
        continue;
      }
      const idle = new AbortController();
      this.wakeUp = () => idle.abort();
      const onStop = () => idle.abort();
      this.stop.signal.addEventListener('abort', onStop, { once: true });
      await sleep(this.pollMs, idle.signal);
      this.stop.signal.removeEventListener('abort', onStop);
      this.wakeUp = undefined;
    }
  }

  private async runOne(row: FeatureSetRow): Promise<void> {
    const { tenant, id } = row;
    const log = this.log.child({ tenant, featureSet: id, attempt: row.attempts });
    const job = new AbortController();
    const onStop = () => job.abort();
    this.stop.signal.addEventListener('abort', onStop, { once: true });
    let progress = 0;
    let beating: Promise<void> = Promise.resolve();
    let lastBeat = Date.now();
    const beat = () => {
      lastBeat = Date.now();
      beating = beating
        .then(() => this.store.heartbeat(tenant, id, this.owner, this.leaseMs, progress))
        .then((held) => {
          if (!held) job.abort(new CancelledError('lease lost'));
        })
        .catch((err) => log.warn({ err }, 'heartbeat failed'));
    };
    const timer = setInterval(beat, Math.max(200, this.leaseMs / 3));
    const onProgress = (p: number) => {
      if (p < progress + 0.02 && p < 1) return;
      progress = p;
      if (Date.now() - lastBeat > 250 || p >= 1) beat();
    };
    try {
      log.info('materializing feature set');
      const t0 = performance.now();
      const result = await this.execute(row, onProgress, job.signal);
      clearInterval(timer);
      await beating;
      if (await this.store.complete(tenant, id, this.owner, result)) log.info({ ms: Math.round(performance.now() - t0) }, 'feature set ready');
      else log.warn('feature set finished after its lease was lost; result dropped');
    } catch (err) {
      clearInterval(timer);
      await beating;
      await this.settleFailure(row, err, job.signal, log).catch((e) => log.error({ err: e }, 'recording a failure failed'));
    } finally {
      this.stop.signal.removeEventListener('abort', onStop);
    }
  }

  private async settleFailure(row: FeatureSetRow, err: unknown, signal: AbortSignal, log: Logger): Promise<void> {
    const { tenant, id } = row;
    if (this.stop.signal.aborted) {
      log.info('stopping: feature set returned to the queue');
      return this.store.release(tenant, id, this.owner, 0, true);
    }
    if (signal.aborted) return log.warn('lease lost: another runner owns the feature set');
    if (isPermanent(err)) {
      log.info({ reason: (err as Error).message }, 'feature set failed');
      return this.store.fail(tenant, id, this.owner, (err as Error).message);
    }
    if (row.attempts >= this.maxAttempts) {
      log.error({ err }, 'feature set failed after retries');
      const reason = err instanceof CityMLError ? err.message : 'internal error';
      return this.store.fail(tenant, id, this.owner, `gave up after ${row.attempts} attempts: ${reason}`);
    }
    const delay = Math.min(60_000, 1000 * 2 ** row.attempts);
    log.warn({ err, delay }, 'feature set attempt failed; retrying later');
    await this.store.release(tenant, id, this.owner, delay);
  }
}
