import { evaluation as ev, training } from '@cityml/proto';
import type { JobRecord, JobState } from './store';

const STATE: Record<JobState, training.JobState> = {
  queued: training.JobState.JOB_STATE_QUEUED,
  running: training.JobState.JOB_STATE_RUNNING,
  done: training.JobState.JOB_STATE_DONE,
  failed: training.JobState.JOB_STATE_FAILED,
  cancelled: training.JobState.JOB_STATE_CANCELLED,
};

/** The stored state of a proto JobState filter (undefined = any). */
export function stateFilter(s: training.JobState): JobState | undefined {
  return (Object.entries(STATE).find(([, v]) => v === s)?.[0] as JobState | undefined) ?? undefined;
}

/** True when the job will not change again. */
export function isFinal(state: JobState): boolean {
  return state === 'done' || state === 'failed' || state === 'cancelled';
}

/** The wire form of a stored job. */
export function jobToProto(r: JobRecord): training.Job {
  return {
    id: r.id,
    state: STATE[r.state],
    featureSetId: r.featureSetId,
    model: training.ModelSpec.fromJSON(r.modelSpec),
    hyperparameters: training.Hyperparameters.fromJSON(r.hyperparameters),
    modelName: r.modelName,
    promote: r.promote,
    attempt: r.attempt,
    maxAttempts: r.maxAttempts,
    epoch: r.epoch,
    history: r.history.map((h) => ev.EpochMetrics.fromJSON(h)),
    evaluation: r.evaluation ? ev.Evaluation.fromJSON(r.evaluation) : undefined,
    modelVersion: r.modelVersion,
    blessed: r.blessed,
    blessingReason: r.blessingReason,
    promoted: r.promoted,
    error: r.error,
    backend: r.backend,
    createTime: r.createTime,
    startTime: r.startTime ?? undefined,
    endTime: r.endTime ?? undefined,
    trainStartTime: r.trainStartTime ?? undefined,
    promotionMargin: r.promotionMargin,
    checkpointArtifactId: r.checkpointArtifactId,
    checkpointEpoch: r.checkpointEpoch,
    resumedFromEpoch: r.resumedFromEpoch,
    stoppedEarly: r.stoppedEarly,
    bestEpoch: r.bestEpoch,
    totalEpochs: r.totalEpochs,
    task: r.task,
    productionVersion: r.productionVersion,
  };
}
