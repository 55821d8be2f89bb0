import { status } from '@grpc/grpc-js';
import type { evaluation, preprocessing, training } from '@cityml/proto';
import type { CityML } from '../cityml';
import { CityMLClientError } from '../core';
import type { SubmitJobInput } from '../training';

/** Options of the wait helpers. */
export interface WaitOptions {
  /** Stop waiting (rejecting with DEADLINE_EXCEEDED) after this many milliseconds; the work goes on. */
  timeoutMs?: number;
  /** Stop waiting (rejecting with CANCELLED) when this signal aborts; the work goes on. */
  signal?: AbortSignal;
}

/** Settles like `work`, or rejects when the timeout passes or the signal aborts first. */
async function bounded<T>(work: Promise<T>, options: WaitOptions, what: string): Promise<T> {
  if (!options.timeoutMs && !options.signal) return work;
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const stop = new Promise<never>((_, reject) => {
    if (options.timeoutMs) timer = setTimeout(() => reject(new CityMLClientError(status.DEADLINE_EXCEEDED, `gave up waiting for ${what} after ${options.timeoutMs} ms`)), options.timeoutMs);
    onAbort = () => reject(new CityMLClientError(status.CANCELLED, `stopped waiting for ${what}`));
    if (options.signal?.aborted) onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([work, stop]);
  } finally {
    clearTimeout(timer);
    if (onAbort) options.signal?.removeEventListener('abort', onAbort);
  }
}

/**
 * Waits until feature set `id` is READY, reporting its state and progress (0..1) on the
 * way (the preprocessing client's WatchFeatureSet, resumed if the stream breaks off).
 * @returns the READY feature set (tensor shapes, feature names, artifacts).
 * @throws FeatureSetFailedError when materialization FAILED (`featureSet.error` says why);
 * CityMLClientError NOT_FOUND (unknown id), DEADLINE_EXCEEDED (`timeoutMs`), CANCELLED (`signal`).
 */
export function waitForFeatureSet(
  client: CityML,
  id: string,
  options: WaitOptions & { onProgress?: (featureSet: preprocessing.FeatureSet, message: string) => void } = {},
): Promise<preprocessing.FeatureSet> {
  return bounded(client.preprocessing.waitForFeatureSet(id, options.onProgress), options, `feature set ${id}`);
}

/** Callbacks of {@link trainAndWait}. */
export interface TrainCallbacks {
  /** Called at the end of every epoch with its metrics and the job as it is then. */
  onEpoch?: (epoch: evaluation.EpochMetrics, job: training.Job) => void;
  /** Called on every update of the job (state changes included). */
  onUpdate?: (job: training.Job) => void;
}

/**
 * Submits a training job and waits for it to end, calling `onEpoch` after every epoch.
 * @returns the DONE job: its evaluation against baselines, the registered model version,
 * whether it was blessed and promoted.
 * @throws JobFailedError when the job FAILED or was CANCELLED (`job.error` says why);
 * CityMLClientError INVALID_ARGUMENT (a bad request, naming the field), NOT_FOUND (unknown
 * feature set), FAILED_PRECONDITION (feature set not READY), DEADLINE_EXCEEDED
 * (`timeoutMs`), CANCELLED (`signal`; the job goes on).
 */
export async function trainAndWait(client: CityML, request: SubmitJobInput, options: WaitOptions & TrainCallbacks = {}): Promise<training.Job> {
  const job = await client.training.submitJob(request);
  options.onUpdate?.(job);
  let lastEpoch = 0;
  const done = client.training.waitForJob(job.id, (e) => {
    if (!e.job) return;
    if (e.epoch && e.epoch.epoch > lastEpoch) {
      lastEpoch = e.epoch.epoch;
      options.onEpoch?.(e.epoch, e.job);
    }
    options.onUpdate?.(e.job);
  });
  return bounded(done, options, `training job ${job.id}`);
}
