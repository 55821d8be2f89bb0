import type { Db } from './pool';

/** A live LISTEN subscription. */
export interface Subscription {
  unlisten(): Promise<void>;
}

/**
 * LISTEN on `channel`; `onMessage` runs for each NOTIFY payload. postgres.js keeps one
 * dedicated connection for all listens of a pool and re-listens after reconnects
 * (`onListen` runs then too, so callers can catch up on what they may have missed).
 */
export async function listen(db: Db, channel: string, onMessage: (payload: string) => void, onListen?: () => void): Promise<Subscription> {
  const sub = await db.listen(channel, onMessage, onListen);
  return { unlisten: () => sub.unlisten() };
}

/** NOTIFY `channel` with `payload` (delivered on commit when run inside a transaction). */
export async function notify(db: Pick<Db, 'unsafe'> | Db, channel: string, payload: string): Promise<void> {
  await (db as Db)`select pg_notify(${channel}, ${payload})`;
}
