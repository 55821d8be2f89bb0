import type { Logger } from 'pino';
import { registry } from '@cityml/proto';
import type { ModelSource } from './registry-source';

const E = registry.ModelEventType;

/** What the watcher tells the model manager. */
export interface WatchHandlers {
  onAliasSet(model: string, alias: string, version: number): void;
  onAliasDeleted(model: string, alias: string): void;
  onVersionArchived(model: string, version: number): void;
  /** The stream (re)connected without a sequence to resume from: re-read the aliases in use. */
  resync(): Promise<void>;
}

/**
 * Follows one tenant's WatchModels stream for as long as the service runs: reconnects
 * with backoff when it breaks and resumes after the last sequence it saw (or the stream's
 * start sequence), so no alias move is missed. Without a sequence yet, it re-reads the
 * aliases in use once the stream is established (covering moves between a first resolve
 * and the stream starting).
 */
export class AliasWatcher {
  private readonly abort = new AbortController();
  private lastSequence = 0;
  private running?: Promise<void>;

  constructor(
    private readonly source: ModelSource,
    private readonly log: Logger,
    private readonly handlers: WatchHandlers,
    private readonly backoff = { initialMs: 100, maxMs: 5_000 },
  ) {}

  /** The last event sequence seen (0 before the first event). */
  get sequence(): number {
    return this.lastSequence;
  }

  start(): void {
    this.running ??= this.loop();
  }

  stop(): void {
    this.abort.abort();
  }

  private async loop(): Promise<void> {
    let delay = this.backoff.initialMs;
    const signal = this.abort.signal;
    while (!signal.aborted) {
      try {
        for await (const item of this.source.watch(this.lastSequence, signal)) {
          delay = this.backoff.initialMs;
          if (item.start !== undefined) {
            // Established: events after `start` will come. Without a position of our own,
            // re-read the aliases in use, so a move before the stream started is not missed.
            if (this.lastSequence === 0) {
              this.lastSequence = item.start;
              void this.handlers.resync().catch(() => undefined);
            }
            continue;
          }
          this.lastSequence = Math.max(this.lastSequence, item.event.sequence);
          this.handle(item.event);
        }
      } catch (err) {
        if (!signal.aborted) this.log.debug({ err }, 'model watch broke; reconnecting');
      }
      if (signal.aborted) break;
      await sleep(delay, signal);
      delay = Math.min(delay * 2, this.backoff.maxMs);
    }
  }

  private handle(ev: registry.ModelEvent): void {
    if (ev.type === E.MODEL_EVENT_TYPE_ALIAS_SET && ev.version > 0) this.handlers.onAliasSet(ev.modelName, ev.alias, ev.version);
    else if (ev.type === E.MODEL_EVENT_TYPE_ALIAS_DELETED || (ev.type === E.MODEL_EVENT_TYPE_ALIAS_SET && ev.version === 0)) this.handlers.onAliasDeleted(ev.modelName, ev.alias);
    else if (ev.type === E.MODEL_EVENT_TYPE_VERSION_ARCHIVED) this.handlers.onVersionArchived(ev.modelName, ev.version);
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });
}
