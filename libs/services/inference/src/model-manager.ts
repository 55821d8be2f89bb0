import type { Logger } from 'pino';
import { DeadlineExceededError, InvalidArgumentError, NotFoundError, UnavailableError, CancelledError } from '@cityml/runtime';
import { LoadedModel } from './loaded-model';
import type { InferenceMetrics } from './metrics';
import type { ModelSource, VersionInfo } from './registry-source';
import type { InferenceSettings } from './settings';
import { AliasWatcher } from './watcher';

/** Which version of a model a request wants: an alias, or a version number. */
export type ModelRef = { alias: string; version?: undefined } | { version: number; alias?: undefined };

/** The alias a request without alias or version uses. */
export const DEFAULT_ALIAS = 'production';

/** A model version a request is using; release it when the request is done. */
export interface Lease {
  model: LoadedModel;
  release(): void;
}

/** Where a request's wait for a model ends. */
export interface WaitOptions {
  deadline?: Date;
  signal?: AbortSignal;
}

const key = (...parts: (string | number)[]) => parts.join('\u0000');

/**
 * Resolves model names, aliases and versions through the registry (as the caller's
 * tenant), loads and warms up versions, keeps them in an LRU cache budgeted by tensor
 * memory, and swaps aliases atomically when WatchModels says they moved.
 */
export class ModelManager {
  private readonly models = new Map<string, LoadedModel>();
  /** tenant/model/alias → the version serving it. */
  private readonly aliases = new Map<string, number>();
  /** tenant/model/alias → the version a swap is loading. */
  private readonly swapping = new Map<string, number>();
  private readonly sources = new Map<string, ModelSource>();
  private readonly watchers = new Map<string, AliasWatcher>();
  private closed = false;

  constructor(
    readonly settings: InferenceSettings,
    private readonly makeSource: (tenant: string) => ModelSource,
    private readonly metrics: InferenceMetrics,
    private readonly log: Logger,
  ) {}

  private source(tenant: string): ModelSource {
    let s = this.sources.get(tenant);
    if (!s) {
      s = this.makeSource(tenant);
      this.sources.set(tenant, s);
      const w = new AliasWatcher(s, this.log, {
        onAliasSet: (model, alias, version) => this.onAliasSet(tenant, model, alias, version),
        onAliasDeleted: (model, alias) => this.aliases.delete(key(tenant, model, alias)),
        onVersionArchived: (model, version) => this.unload(tenant, model, version),
        resync: () => this.resync(tenant),
      });
      this.watchers.set(tenant, w);
      w.start();
    }
    return s;
  }

  /**
   * The ready model for `ref`, loading it first if needed (within the deadline).
   * @throws NotFoundError unknown model, version or alias; UnavailableError the load
   * failed (with the reason); DeadlineExceededError the load did not finish in time;
   * FailedPreconditionError the version is not ready or archived.
   */
  async acquire(tenant: string, name: string, ref: ModelRef, wait: WaitOptions = {}): Promise<Lease> {
    if (this.closed) throw new UnavailableError('the inference service is shutting down');
    if (!name) throw InvalidArgumentError.field('model_name', 'is required');
    const source = this.source(tenant);
    let version = ref.version;
    if (version === undefined) {
      const alias = ref.alias as string;
      const ak = key(tenant, name, alias);
      version = this.aliases.get(ak);
      if (version === undefined) {
        const info = await source.resolveAlias(name, alias, wait.deadline);
        version = this.aliases.get(ak) ?? info.version;
        this.aliases.set(ak, version);
        if (version === info.version) this.ensure(tenant, info);
      }
    }
    let model = this.models.get(key(tenant, name, version));
    if (!model || (model.state === 'failed' && Date.now() - model.failedAt > this.settings.failedRetryMs)) {
      const info = await source.getVersion(name, version, wait.deadline);
      model = this.ensure(tenant, info, true);
    }
    if (model.state !== 'ready') await waitFor(model.ready, wait);
    model.acquire();
    const m = model;
    return { model: m, release: () => m.release() };
  }

  /** The cache entry of a version, starting its load when there is none (or `retry` a failed one). */
  ensure(tenant: string, info: VersionInfo, retry = false): LoadedModel {
    const k = key(tenant, info.modelName, info.version);
    const existing = this.models.get(k);
    if (existing && !(retry && existing.state === 'failed')) return existing;
    const source = this.source(tenant);
    const labels = { tenant, model: info.modelName };
    const model = new LoadedModel(
      tenant,
      info,
      () => source.download(info, new Date(Date.now() + this.settings.loadTimeoutMs)),
      this.settings,
      {
        onBatch: (examples) => this.metrics.batchSize.observe(labels, examples),
        onDepth: () => this.metrics.queueDepth.set(labels, this.queueDepth(tenant, info.modelName)),
      },
      (m, err) => this.loaded(m, err),
    );
    this.models.set(k, model);
    return model;
  }

  private loaded(m: LoadedModel, err?: unknown): void {
    const labels = { tenant: m.tenant, model: m.name };
    if (err) {
      this.metrics.loads.inc({ ...labels, result: 'failed' });
      this.log.error({ model: m.name, version: m.version, err }, 'model load failed');
      return;
    }
    this.metrics.loads.inc({ ...labels, result: 'ok' });
    this.metrics.tensorBytes.set({ ...labels, version: String(m.version) }, m.tensorBytes);
    this.log.info({ model: m.name, version: m.version, tensorBytes: m.tensorBytes }, 'model loaded');
    this.evictOverBudget(m);
    this.updateGauges();
  }

  private queueDepth(tenant: string, name: string): number {
    let n = 0;
    for (const m of this.models.values()) if (m.tenant === tenant && m.name === name) n += m.batcher?.depth ?? 0;
    return n;
  }

  private updateGauges(): void {
    this.metrics.loadedModels.set([...this.models.values()].filter((m) => m.state === 'ready').length);
  }

  /** Tensor bytes held by ready models. */
  get tensorBytes(): number {
    let n = 0;
    for (const m of this.models.values()) if (m.state === 'ready') n += m.tensorBytes;
    return n;
  }

  private evictOverBudget(keep: LoadedModel): void {
    const budget = this.settings.cacheBytes;
    if (this.tensorBytes <= budget) return;
    const candidates = [...this.models.entries()].filter(([, m]) => m !== keep && m.state === 'ready').sort((a, b) => a[1].lastUsed - b[1].lastUsed);
    for (const [k, m] of candidates) {
      if (this.tensorBytes <= budget) break;
      this.drop(k, m);
      this.metrics.evictions.inc({ tenant: m.tenant, model: m.name });
      this.log.info({ model: m.name, version: m.version }, 'model evicted (tensor memory budget)');
    }
  }

  private drop(k: string, m: LoadedModel): void {
    this.models.delete(k);
    this.metrics.tensorBytes.remove({ tenant: m.tenant, model: m.name, version: String(m.version) });
    m.evict();
    this.updateGauges();
  }

  private unload(tenant: string, name: string, version: number): void {
    const k = key(tenant, name, version);
    const m = this.models.get(k);
    if (m) this.drop(k, m);
  }

  /** Loads `version` in the background and points the alias at it once it is warm. */
  private onAliasSet(tenant: string, name: string, alias: string, version: number): void {
    const ak = key(tenant, name, alias);
    if (!this.aliases.has(ak) || this.aliases.get(ak) === version || this.swapping.get(ak) === version) return;
    this.swapping.set(ak, version);
    const labels = { tenant, model: name, alias };
    const deadline = new Date(Date.now() + this.settings.loadTimeoutMs);
    (async () => {
      const info = await this.source(tenant).getVersion(name, version, deadline);
      const m = this.ensure(tenant, info, true);
      await m.ready;
      if (this.swapping.get(ak) !== version) return;
      this.aliases.set(ak, version);
      this.metrics.swaps.inc({ ...labels, result: 'ok' });
      this.log.info({ model: name, alias, version }, 'alias swapped');
    })()
      .catch((err) => {
        this.metrics.swaps.inc({ ...labels, result: 'failed' });
        this.log.error({ model: name, alias, version, err }, 'alias moved but the new version failed to load; the old one keeps serving');
      })
      .finally(() => {
        if (this.swapping.get(ak) === version) this.swapping.delete(ak);
      });
  }

  /** Re-reads every alias this process serves for `tenant` (after the watch stream could have missed events). */
  private async resync(tenant: string): Promise<void> {
    for (const [ak, version] of [...this.aliases.entries()]) {
      const [t, name, alias] = ak.split('\u0000');
      if (t !== tenant) continue;
      try {
        const info = await this.source(tenant).resolveAlias(name, alias);
        if (info.version !== version) this.onAliasSet(tenant, name, alias, info.version);
      } catch (err) {
        if (err instanceof NotFoundError) this.aliases.delete(ak);
      }
    }
  }

  /** Every cached model, for ListLoadedModels and OIP metadata. */
  list(tenant: string): { model: LoadedModel; aliases: string[] }[] {
    const out: { model: LoadedModel; aliases: string[] }[] = [];
    for (const m of this.models.values()) {
      if (m.tenant !== tenant) continue;
      const aliases = [...this.aliases.entries()].filter(([ak, v]) => v === m.version && ak.startsWith(key(tenant, m.name, ''))).map(([ak]) => ak.split('\u0000')[2]);
      out.push({ model: m, aliases });
    }
    return out;
  }

  /** True when the model is loaded and ready (no load is started). */
  isReady(tenant: string, name: string, ref: ModelRef): boolean {
    const version = ref.version ?? this.aliases.get(key(tenant, name, ref.alias));
    return version !== undefined && this.models.get(key(tenant, name, version))?.state === 'ready';
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const w of this.watchers.values()) w.stop();
    for (const [k, m] of [...this.models.entries()]) this.drop(k, m);
    for (const s of this.sources.values()) s.close();
  }
}

/** Waits for a load, or rejects when the deadline passes or the caller cancels (the load goes on). */
function waitFor(ready: Promise<void>, { deadline, signal }: WaitOptions): Promise<void> {
  if (!deadline && !signal) return ready;
  return new Promise<void>((resolve, reject) => {
    const timer = deadline ? setTimeout(() => reject(new DeadlineExceededError('the deadline passed while the model was loading')), Math.max(0, deadline.getTime() - Date.now() - 2)) : undefined;
    const onAbort = () => reject(deadline && Date.now() >= deadline.getTime() - 5 ? new DeadlineExceededError('the deadline passed while the model was loading') : new CancelledError('the caller cancelled the request'));
    signal?.addEventListener('abort', onAbort, { once: true });
    ready.then(resolve, reject).finally(() => {
      if (timer) clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    });
  });
}
