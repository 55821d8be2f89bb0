import * as tf from '@tensorflow/tfjs';
import { decodeBundle } from '@cityml/ml/bundle';
import { UnavailableError } from '@cityml/runtime';
import { Batcher, type BatcherHooks } from './batcher';
import { batchSettings, type BatchSettings } from './settings';
import { Servable } from './servable';
import type { VersionInfo } from './registry-source';

/** Lifecycle of a loaded model version. */
export type LoadState = 'loading' | 'ready' | 'failed';

/**
 * One model version in the cache: loading, ready (its servable and batcher take traffic)
 * or failed (answers UNAVAILABLE with the reason). Requests hold a lease while they use
 * it, so an evicted model is disposed only once its last request is done.
 */
export class LoadedModel {
  state: LoadState = 'loading';
  servable?: Servable;
  batcher?: Batcher;
  error?: string;
  failedAt = 0;
  tensorBytes = 0;
  lastUsed = Date.now();
  requests = 0;
  private leases = 0;
  private evicted = false;
  readonly ready: Promise<void>;

  constructor(
    readonly tenant: string,
    readonly info: VersionInfo,
    fetch: () => Promise<Buffer>,
    defaults: BatchSettings,
    hooks: BatcherHooks,
    onDone: (m: LoadedModel, err?: unknown) => void,
  ) {
    this.ready = this.load(fetch, defaults, hooks).then(
      () => onDone(this),
      (err) => {
        this.state = 'failed';
        this.failedAt = Date.now();
        this.error = err instanceof Error ? err.message : String(err);
        onDone(this, err);
        throw new UnavailableError(this.unavailableMessage());
      },
    );
    this.ready.catch(() => undefined);
  }

  get name(): string {
    return this.info.modelName;
  }
  get version(): number {
    return this.info.version;
  }
  /** Requests using this model right now. */
  get inUse(): number {
    return this.leases;
  }

  unavailableMessage(): string {
    return `model ${this.name} version ${this.version} failed to load: ${this.error}`;
  }

  private async load(fetch: () => Promise<Buffer>, defaults: BatchSettings, hooks: BatcherHooks): Promise<void> {
    const bytes = await fetch();
    const bundle = decodeBundle(bytes);
    const before = tf.memory().numBytes;
    const servable = await Servable.load(bundle);
    try {
      servable.warmUp();
    } catch (err) {
      servable.dispose();
      throw err;
    }
    this.tensorBytes = Math.max(0, tf.memory().numBytes - before);
    this.servable = servable;
    this.batcher = new Batcher((x, n) => servable.run(x, n), servable.exampleSizes, servable.outputWidth, batchSettings(this.info.tags, defaults), hooks);
    this.state = 'ready';
  }

  /** Takes a lease; pair with {@link release}. */
  acquire(): void {
    this.leases++;
    this.requests++;
    this.lastUsed = Date.now();
  }

  release(): void {
    this.leases--;
    if (this.evicted && this.leases === 0) this.dispose();
  }

  /** Leaves the cache: disposed now, or when its last lease is released. */
  evict(): void {
    if (this.evicted) return;
    this.evicted = true;
    if (this.leases === 0) this.dispose();
  }

  private dispose(): void {
    this.batcher?.close(new UnavailableError(`model ${this.name} version ${this.version} was unloaded`));
    this.servable?.dispose();
    this.servable = undefined;
    this.batcher = undefined;
  }
}
