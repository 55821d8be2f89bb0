import { listen, type Db, type Subscription } from '@cityml/db';
import type { CallContext } from '@cityml/runtime';
import type { preprocessing as pb } from '@cityml/proto';
import { toProto, type FeatureSetRow } from './result';
import { CHANNEL } from './store';

/**
 * One LISTEN connection per process, fanned out to every open WatchFeatureSet stream.
 * Notifications only wake watchers up; they then read the row (scoped by their tenant).
 */
export class ChangeHub {
  private readonly waiters = new Map<string, Set<() => void>>();
  private sub: Promise<Subscription> | undefined;

  constructor(private readonly db: Db) {}

  private ensure(): Promise<Subscription> {
    this.sub ??= listen(
      this.db,
      CHANNEL,
      (payload) => this.waiters.get(payload)?.forEach((w) => w()),
      () => this.waiters.forEach((set) => set.forEach((w) => w())),
    );
    return this.sub;
  }

  /** Resolves on the next change of `tenant/id`, after `ms`, or when `signal` aborts. */
  async next(tenant: string, id: string, ms: number, signals: AbortSignal[]): Promise<void> {
    await this.ensure();
    const key = `${tenant}/${id}`;
    await new Promise<void>((resolve) => {
      let set = this.waiters.get(key);
      if (!set) this.waiters.set(key, (set = new Set()));
      const done = () => {
        clearTimeout(timer);
        set.delete(done);
        if (set.size === 0) this.waiters.delete(key);
        for (const s of signals) s.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      set.add(done);
      for (const s of signals) s.addEventListener('abort', done, { once: true });
    });
  }

  async close(): Promise<void> {
    const sub = this.sub;
    this.sub = undefined;
    if (sub) await (await sub).unlisten().catch(() => undefined);
  }
}

/**
 * Streams a feature set's state and progress: the current value first, then every change,
 * until it is READY or FAILED, the caller leaves, or the server drains.
 */
export async function* watchFeatureSet(
  hub: ChangeHub,
  read: () => Promise<FeatureSetRow>,
  ctx: Pick<CallContext, 'signal' | 'draining'>,
): AsyncIterable<pb.WatchFeatureSetResponse> {
  let last = '';
  for (;;) {
    const row = await read();
    const sig = `${row.state}:${row.progress}:${row.error}`;
    if (sig !== last) {
      last = sig;
      const message = row.state === 'FAILED' ? row.error : row.state === 'READY' ? 'ready' : row.state === 'RUNNING' ? `materializing ${Math.round(row.progress * 100)}%` : 'queued';
      yield { featureSet: toProto(row), message };
    }
    if (row.state === 'READY' || row.state === 'FAILED') return;
    if (ctx.signal.aborted || ctx.draining.aborted) return;
    await hub.next(row.tenant, row.id, 2_000, [ctx.signal, ctx.draining]);
    if (ctx.signal.aborted || ctx.draining.aborted) return;
  }
}
