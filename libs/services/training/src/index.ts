import { JobQueue, QueueWorker, type QueueTiming } from '@cityml/db';
import type { Config, ServiceDeps, ServiceModule, ServiceRegistration } from '@cityml/runtime';
import { training } from '@cityml/proto';
import { JobEvents } from './events';
import { trainingHandlers } from './handlers';
import { TRAINING_QUEUE, TrainingJobs } from './jobs';
import { trainingMetrics } from './metrics';
import init from './migrations/001_init.sql';
import { Peers } from './peers';
import { JobRunner } from './runner';
import { JobStore } from './store';

export { DEFAULT_TRAINING_LIMITS, type TrainingLimits } from './spec';
export { bless, type Blessing } from './blessing';

/** Queue and retry settings of the training workers (see {@link trainingSettings}). */
export interface TrainingSettings {
  concurrency: number;
  maxAttempts: number;
  timing: QueueTiming;
}


/**
 * Settings from the config: concurrency (CITYML_TRAINING_CONCURRENCY), lease, heartbeat
 * and poll intervals and the attempt limit (CITYML_TRAINING_LEASE_MS,
 * CITYML_TRAINING_HEARTBEAT_MS, CITYML_TRAINING_POLL_MS, CITYML_TRAINING_MAX_ATTEMPTS;
 * defaults 10 s, 2 s, 5 s, 3).
 */
export function trainingSettings(config: Config): TrainingSettings {
  return {
    concurrency: config.trainingConcurrency ?? 1,
    maxAttempts: config.trainingMaxAttempts,
    timing: { leaseMs: config.trainingLeaseMs, heartbeatMs: config.trainingHeartbeatMs, pollMs: config.trainingPollMs },
  };
}

/** Builds the service and starts this process's trainer workers. */
async function create(deps: ServiceDeps): Promise<ServiceRegistration> {
  const settings = trainingSettings(deps.config);
  const store = new JobStore(deps.db);
  const queue = new JobQueue(deps.db, TRAINING_QUEUE, settings.timing);
  const peers = new Peers((s) => deps.peer(s));
  const events = new JobEvents(deps.db);
  await events.start();
  const jobs = new TrainingJobs(store, queue, peers, events, { maxAttempts: settings.maxAttempts });
  const runner = new JobRunner(store, deps.artifacts, peers, deps.log);
  const worker = new QueueWorker(queue, (job, ctx) => runner.run(job, ctx), {
    concurrency: settings.concurrency,
    onExpired: async (expired) => {
      for (const j of expired) await store.update(j.tenant, j.id, { state: 'failed', error: j.lastError ?? 'lease expired', endTime: new Date() });
    },
    onError: (err) => deps.log.warn({ err }, 'training queue error'),
  });
  await worker.start();
  return {
    fullName: 'cityml.training.v1.TrainingService',
    definition: training.TrainingServiceService,
    implementation: trainingHandlers(jobs) as unknown as ServiceRegistration['implementation'],
    metricsRegistry: trainingMetrics(deps.db),
    close: async () => {
      await worker.stop();
      await events.close();
      peers.close();
    },
  };
}

/** The training service: queued TF.js training jobs run in worker threads. */
export const trainingModule: ServiceModule = {
  name: 'training',
  migrations: [{ schema: 'training', migrations: [{ name: '001_init', sql: init }] }],
  create,
};
