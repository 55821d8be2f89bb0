/** Tunables of the inference service; defaults suit a small city deployment. */
export interface InferenceSettings {
  /** Largest number of examples (rows, or forecast series) one model.predict runs. */
  maxBatchSize: number;
  /** How long the first queued request waits for others before its batch runs. */
  maxQueueDelayMs: number;
  /** Tensor memory (tf.memory().numBytes) the loaded models may hold before LRU eviction. */
  cacheBytes: number;
  /** How long a failed load is remembered (answered UNAVAILABLE) before a request retries it. */
  failedRetryMs: number;
  /** Deadline of a load when the request has none (preloads, hot swaps). */
  loadTimeoutMs: number;
  /** HTTP/JSON port of the Open Inference Protocol (0 = any free port). */
  httpPort: number;
  /** Host the HTTP port binds. */
  httpHost: string;
}

/** Defaults of {@link InferenceSettings} (the HTTP port comes from config.httpPort). */
export const DEFAULT_SETTINGS: Omit<InferenceSettings, 'httpPort' | 'httpHost'> = {
  maxBatchSize: 512,
  maxQueueDelayMs: 1,
  cacheBytes: 512 * 1024 * 1024,
  failedRetryMs: 30_000,
  loadTimeoutMs: 120_000,
};

/** Version tags that override batching per model. */
export const TAG_MAX_BATCH_SIZE = 'inference.max_batch_size';
export const TAG_MAX_QUEUE_DELAY_MS = 'inference.max_queue_delay_ms';

/** Batching of one model. */
export interface BatchSettings {
  maxBatchSize: number;
  maxQueueDelayMs: number;
}

function tagNumber(tags: Record<string, string>, key: string, min: number): number | undefined {
  const raw = tags[key];
  if (raw === undefined || raw.trim() === '') return undefined;
  const n = Number(raw);
  return Number.isFinite(n) && n >= min ? n : undefined;
}

/**
 * The batching of a model version: its `inference.max_batch_size` and
 * `inference.max_queue_delay_ms` tags, else the service defaults. Unreadable tags are ignored.
 */
export function batchSettings(tags: Record<string, string>, defaults: BatchSettings): BatchSettings {
  return {
    maxBatchSize: Math.floor(tagNumber(tags, TAG_MAX_BATCH_SIZE, 1) ?? defaults.maxBatchSize),
    maxQueueDelayMs: tagNumber(tags, TAG_MAX_QUEUE_DELAY_MS, 0) ?? defaults.maxQueueDelayMs,
  };
}
