import { Gauge, Registry } from 'prom-client';
import type { Db } from '@cityml/db';
import { TRAINING_QUEUE } from './jobs';

/**
 * The training service's Prometheus metrics. `cityml_training_queue_depth` counts the
 * jobs queued or running across every replica (read from the queue table at scrape time,
 * so every pod reports the same value): the signal the training autoscaler scales on.
 */
export function trainingMetrics(db: Db): Registry {
  const registry = new Registry();
  new Gauge({
    name: 'cityml_training_queue_depth',
    help: 'Training jobs queued or running, over all replicas',
    registers: [registry],
    async collect() {
      const [row] = await db<{ n: number }[]>`
        select count(*)::int as n from queue.jobs where queue = ${TRAINING_QUEUE} and state in ('queued', 'running')`;
      this.set(row?.n ?? 0);
    },
  });
  return registry;
}
