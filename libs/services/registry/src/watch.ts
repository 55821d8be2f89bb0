import { listen, type Db, type Subscription } from '@cityml/db';
import type { registry } from '@cityml/proto';
import { InvalidArgumentError } from '@cityml/runtime';
import type { Logger } from 'pino';
import { eventToProto } from './convert';
import { EVENTS_CHANNEL, lastSequence, readEvents } from './store/events';
import * as check from './validate';

/** Events read per query while catching up. */
const BATCH = 500;
/** A watcher re-reads at least this often, even when no NOTIFY arrived. */
const POLL_MS = 5_000;

/** A wake-up flag: set by a NOTIFY, consumed by a watcher. */
class Waker {
  private pending = false;
  private resolve?: () => void;
  constructor(readonly tenant: string) {}
  wake(): void {
    this.pending = true;
    this.resolve?.();
  }
  /** Clears the flag before a read, so a NOTIFY during the read is not lost. */
  reset(): void {
    this.pending = false;
  }
  /** Resolves on the next wake (at once when one arrived since {@link reset}), abort or timeout. */
  wait(stop: AbortSignal, ms: number): Promise<void> {
    if (this.pending || stop.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        stop.removeEventListener('abort', done);
        this.resolve = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      stop.addEventListener('abort', done, { once: true });
      this.resolve = done;
    });
  }
}

/**
 * One LISTEN per replica on `registry_events` (payload: the tenant) that wakes the
 * watchers of that tenant; after a reconnect of the listen connection every watcher
 * wakes and re-reads, so nothing is missed.
 */
export class EventHub {
  private sub?: Promise<Subscription>;
  private readonly wakers = new Set<Waker>();

  constructor(private readonly db: Db, private readonly log: Logger) {}

  private listening(): Promise<Subscription> {
    this.sub ??= listen(
      this.db,
      EVENTS_CHANNEL,
      (tenant) => this.wakers.forEach((w) => w.tenant === tenant && w.wake()),
      () => this.wakers.forEach((w) => w.wake()),
    ).catch((err) => {
      this.sub = undefined;
      throw err;
    });
    return this.sub;
  }

  /** A waker of `tenant`, registered once LISTEN is active. */
  async subscribe(tenant: string): Promise<Waker & { close(): void }> {
    await this.listening();
    const waker = new Waker(tenant);
    this.wakers.add(waker);
    return Object.assign(waker, { close: () => void this.wakers.delete(waker) });
  }

  /** Stops listening. */
  async close(): Promise<void> {
    const sub = this.sub;
    this.sub = undefined;
    this.wakers.forEach((w) => w.wake());
    await (await sub?.catch(() => undefined))?.unlisten().catch((err) => this.log.warn({ err }, 'unlisten failed'));
  }
}

/**
 * Streams a tenant's events after `after_sequence` (replayed from the events table,
 * then followed live), exactly once and in order; with after_sequence 0 only new events
 * (or, with from_start, all). The first message carries only start_sequence. Ends when the caller cancels or the server drains.
 * INVALID_ARGUMENT (negative sequence, bad model name).
 */
export async function* watchEvents(db: Db, hub: EventHub, tenant: string, req: registry.WatchModelsRequest, stop: AbortSignal): AsyncIterable<registry.WatchModelsResponse> {
  if (req.afterSequence < 0) throw InvalidArgumentError.field('after_sequence', 'must not be negative');
  if (req.modelName) check.modelName(req.modelName);
  const waker = await hub.subscribe(tenant);
  try {
    let last = req.afterSequence > 0 ? req.afterSequence : req.fromStart ? 0 : await lastSequence(db, tenant);
    yield { event: undefined, startSequence: last };
    while (!stop.aborted) {
      waker.reset();
      const rows = await readEvents(db, tenant, last, req.modelName, BATCH);
      for (const row of rows) {
        last = row.sequence;
        yield { event: eventToProto(row), startSequence: 0 };
        if (stop.aborted) return;
      }
      if (rows.length < BATCH) await waker.wait(stop, POLL_MS);
    }
  } finally {
    waker.close();
  }
}
