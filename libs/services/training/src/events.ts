import { listen, type Db, type Subscription } from '@cityml/db';
import { JOB_CHANNEL } from './store';

/**
 * One LISTEN per process on the job channel, fanned out to the WatchJob streams of this
 * process (keyed by tenant and job id). A reconnect wakes every stream so it re-reads.
 */
export class JobEvents {
  private readonly subscribers = new Map<string, Set<() => void>>();
  private sub?: Subscription;

  constructor(private readonly db: Db) {}

  async start(): Promise<void> {
    this.sub = await listen(
      this.db,
      JOB_CHANNEL,
      (payload) => {
        try {
          const { tenant, id } = JSON.parse(payload) as { tenant: string; id: string };
          for (const fn of this.subscribers.get(`${tenant}\0${id}`) ?? []) fn();
        } catch {
          // not ours
        }
      },
      () => {
        for (const set of this.subscribers.values()) for (const fn of set) fn();
      },
    );
  }

  /** Calls `fn` whenever the job changes; returns the unsubscribe function. */
  subscribe(tenant: string, id: string, fn: () => void): () => void {
    const key = `${tenant}\0${id}`;
    let set = this.subscribers.get(key);
    if (!set) this.subscribers.set(key, (set = new Set()));
    set.add(fn);
    return () => {
      set.delete(fn);
      if (!set.size) this.subscribers.delete(key);
    };
  }

  async close(): Promise<void> {
    await this.sub?.unlisten().catch(() => undefined);
  }
}
