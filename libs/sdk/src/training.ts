import { training } from '@cityml/proto';
import { callOptions, createClient, serverStream, unary, type ConnectionOptions } from './core';

/** A training job (cityml.training.v1.Job). */
export type TrainingJob = training.Job;
/** Job states. */
export const JobState = training.JobState;
export type JobState = training.JobState;
/** Network kinds. */
export const ModelKind = training.ModelKind;
export type ModelKind = training.ModelKind;
/** Optimizers. */
export const Optimizer = training.Optimizer;
export type Optimizer = training.Optimizer;

/** What {@link TrainingClient.submitJob} takes: the request with every field but the feature set and model name optional. */
export type SubmitJobInput = Partial<Omit<training.SubmitJobRequest, 'model' | 'hyperparameters'>> & {
  featureSetId: string;
  modelName: string;
  model?: Partial<training.ModelSpec>;
  hyperparameters?: Partial<training.Hyperparameters>;
};

/** True when a job will not change again (DONE, FAILED or CANCELLED). */
export function isJobFinished(job: Pick<TrainingJob, 'state'>): boolean {
  return job.state === JobState.JOB_STATE_DONE || job.state === JobState.JOB_STATE_FAILED || job.state === JobState.JOB_STATE_CANCELLED;
}

/** "queued", "running", "done", "failed" or "cancelled". */
export function jobStateName(state: JobState): string {
  return training.jobStateToJSON(state).replace('JOB_STATE_', '').toLowerCase();
}

/** A job that ended FAILED or CANCELLED while being waited for. */
export class JobFailedError extends Error {
  constructor(readonly job: TrainingJob) {
    super(`job ${job.id} ${jobStateName(job.state)}${job.error ? `: ${job.error}` : ''}`);
    this.name = 'JobFailedError';
  }
}

/** Typed client of the training service (cityml.training.v1.TrainingService). */
export class TrainingClient {
  /** The generated grpc-js client, for calls this class does not wrap. */
  readonly raw: training.TrainingServiceClient;

  constructor(readonly options: ConnectionOptions) {
    this.raw = createClient(training.TrainingServiceClient, options);
  }

  /**
   * Queues a training job and returns it at once (state QUEUED). INVALID_ARGUMENT naming the
   * field for values past the limits or a kind the feature set's layout cannot train;
   * NOT_FOUND for an unknown feature set; FAILED_PRECONDITION when it is not READY.
   */
  async submitJob(req: SubmitJobInput): Promise<TrainingJob> {
    const full = training.SubmitJobRequest.fromPartial(req);
    const res = await unary(this.raw.submitJob.bind(this.raw), full, callOptions(this.options));
    return res.job as TrainingJob;
  }

  /** A job by id; NOT_FOUND when unknown. */
  async getJob(id: string): Promise<TrainingJob> {
    return (await unary(this.raw.getJob.bind(this.raw), { id }, callOptions(this.options))).job as TrainingJob;
  }

  /** Jobs newest first, filtered by state and model name; pass `nextPageToken` back for more. */
  listJobs(req: Partial<training.ListJobsRequest> = {}): Promise<training.ListJobsResponse> {
    return unary(this.raw.listJobs.bind(this.raw), training.ListJobsRequest.fromPartial(req), callOptions(this.options));
  }

  /** Every job matching the filter, page by page. */
  async *jobs(req: Partial<Omit<training.ListJobsRequest, 'pageToken'>> = {}): AsyncIterable<TrainingJob> {
    let pageToken = '';
    do {
      const page = await this.listJobs({ ...req, pageToken });
      yield* page.jobs;
      pageToken = page.nextPageToken;
    } while (pageToken);
  }

  /** Cancels a queued or running job (it stops within an epoch). FAILED_PRECONDITION if it already ended. */
  async cancelJob(id: string): Promise<TrainingJob> {
    return (await unary(this.raw.cancelJob.bind(this.raw), { id }, callOptions(this.options))).job as TrainingJob;
  }

  /** The job now, then its state changes and per-epoch metrics (`epoch` set) until it ends. */
  watchJob(id: string): AsyncIterable<training.WatchJobResponse> {
    return serverStream(this.raw.watchJob({ id }));
  }

  /**
   * Waits for a job to end and returns it when DONE; `onEvent` sees every WatchJob event.
   * Reconnects when the stream breaks off (e.g. the server drained).
   * @throws JobFailedError when the job ends FAILED or CANCELLED.
   */
  async waitForJob(id: string, onEvent?: (e: training.WatchJobResponse) => void): Promise<TrainingJob> {
    for (let attempt = 0; ; attempt++) {
      try {
        for await (const e of this.watchJob(id)) {
          onEvent?.(e);
          if (e.job && isJobFinished(e.job) && !e.epoch) break;
        }
      } catch (err) {
        if (attempt > 5) throw err;
      }
      const job = await this.getJob(id);
      if (job.state === JobState.JOB_STATE_DONE) return job;
      if (isJobFinished(job)) throw new JobFailedError(job);
      await new Promise((r) => setTimeout(r, Math.min(2000, 100 * 2 ** attempt)));
    }
  }

  close(): void {
    this.raw.close();
  }
}
