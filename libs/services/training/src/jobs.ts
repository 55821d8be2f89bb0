import { randomUUID } from 'node:crypto';
import type { JobQueue } from '@cityml/db';
import { preprocessing, training as pb } from '@cityml/proto';
import { FailedPreconditionError, InvalidArgumentError } from '@cityml/runtime';
import { isFinal } from './convert';
import type { JobEvents } from './events';
import { ioOf, taskOf } from './feature-io';
import type { Peers } from './peers';
import { DEFAULT_TRAINING_LIMITS, netSpecOf, netSpecToProto, trainParamsOf, trainParamsToProto, type TrainingLimits } from './spec';
import type { JobRecord, JobState, JobStore, PageCursor } from './store';

const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** The queue training jobs go through. */
export const TRAINING_QUEUE = 'training';

/** One event of a WatchJob stream. */
export interface JobEvent {
  job: JobRecord;
  /** Set when the event is an epoch's end (its index in the job's history). */
  epochIndex?: number;
}

/** The training service's domain: submitting, reading, cancelling and watching jobs. */
export class TrainingJobs {
  constructor(
    private readonly store: JobStore,
    private readonly queue: JobQueue,
    private readonly peers: Peers,
    private readonly events: JobEvents,
    private readonly options: { maxAttempts: number; limits?: TrainingLimits },
  ) {}

  /**
   * Validates and queues a job; returns it at once (state queued).
   * @throws InvalidArgumentError naming the field (limits, kinds, names);
   * NotFoundError for an unknown feature set; FailedPreconditionError when it is not READY;
   * UnavailableError when preprocessing cannot be reached.
   */
  async submit(tenant: string, req: pb.SubmitJobRequest): Promise<JobRecord> {
    if (!req.featureSetId) throw InvalidArgumentError.field('feature_set_id', 'is required');
    if (!MODEL_NAME.test(req.modelName)) throw InvalidArgumentError.field('model_name', 'must be 1-128 letters, digits, ".", "_" or "-", starting with a letter or digit');
    if (!(req.promotionMargin >= 0 && req.promotionMargin < 1)) throw InvalidArgumentError.field('promotion_margin', 'must be in [0, 1)');
    const limits = this.options.limits ?? DEFAULT_TRAINING_LIMITS;
    const params = trainParamsOf(req.hyperparameters, limits);
    const fs = await this.peers.featureSet(tenant, req.featureSetId);
    if (fs.state !== preprocessing.FeatureSetState.FEATURE_SET_STATE_READY) {
      throw new FailedPreconditionError(`feature set ${req.featureSetId} is not ready (state ${preprocessing.featureSetStateToJSON(fs.state)})`);
    }
    const task = taskOf(fs);
    if (!task) throw new FailedPreconditionError(`feature set ${req.featureSetId} has no task`);
    const spec = netSpecOf(req.model, ioOf(fs), limits);
    const id = randomUUID();
    return this.store.transaction(async (sql) => {
      const job = await this.store.insert(
        {
          id, tenant, featureSetId: fs.id, task, dataset: fs.dataset, datasetVersion: fs.datasetVersion,
          modelSpec: pb.ModelSpec.toJSON(netSpecToProto(spec)), hyperparameters: pb.Hyperparameters.toJSON(trainParamsToProto(params)),
          modelName: req.modelName, promote: req.promote, promotionMargin: req.promotionMargin,
          maxAttempts: this.options.maxAttempts, totalEpochs: params.epochs,
        },
        sql,
      );
      await this.queue.enqueue(tenant, { jobId: id }, { id, maxAttempts: this.options.maxAttempts, sql: sql as never });
      return job;
    });
  }

  /** @throws NotFoundError. */
  get(tenant: string, id: string): Promise<JobRecord> {
    return this.store.get(tenant, id);
  }

  /** Newest first. */
  list(tenant: string, filter: { state?: JobState; modelName?: string; limit: number; after?: PageCursor }): Promise<JobRecord[]> {
    return this.store.list(tenant, filter);
  }

  /**
   * Cancels a queued or running job; a running one stops before its next batch.
   * @throws NotFoundError; FailedPreconditionError when the job already ended.
   */
  async cancel(tenant: string, id: string): Promise<JobRecord> {
    return this.store.transaction(async (sql) => {
      const job = await this.store.get(tenant, id, sql);
      if (isFinal(job.state)) throw new FailedPreconditionError(`job ${id} already ended (${job.state})`);
      await this.queue.cancel(tenant, id, sql as never);
      const updated = await this.store.update(tenant, id, { state: 'cancelled', endTime: new Date(), error: 'cancelled by request' }, { sql });
      return updated ?? job;
    });
  }

  /**
   * The job now, then an event per change and per finished epoch (NOTIFY-driven, with a
   * slow re-read as a safety net), until the job ends or `signal` aborts.
   * @throws NotFoundError.
   */
  async *watch(tenant: string, id: string, signal: AbortSignal): AsyncIterable<JobEvent> {
    let wake: (() => void) | undefined;
    let dirty = true;
    const unsubscribe = this.events.subscribe(tenant, id, () => {
      dirty = true;
      wake?.();
    });
    const onAbort = () => wake?.();
    signal.addEventListener('abort', onAbort);
    try {
      let sentEpochs = -1;
      let last = '';
      while (!signal.aborted) {
        dirty = false;
        const job = await this.store.get(tenant, id);
        if (sentEpochs < 0) sentEpochs = job.history.length;
        if (job.history.length < sentEpochs) sentEpochs = job.history.length; // a retry resumed from an earlier checkpoint
        const key = `${job.state}|${job.attempt}|${job.backend}|${job.error}|${job.modelVersion}`;
        if (key !== last) {
          yield { job };
          last = key;
        }
        for (; sentEpochs < job.history.length; sentEpochs++) yield { job, epochIndex: sentEpochs };
        if (isFinal(job.state)) return;
        if (!dirty) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, 5000);
            wake = () => {
              clearTimeout(timer);
              resolve();
            };
          });
          wake = undefined;
        }
      }
    } finally {
      unsubscribe();
      signal.removeEventListener('abort', onAbort);
    }
  }
}
