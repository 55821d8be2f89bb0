import { status } from '@grpc/grpc-js';
import type { common } from '@cityml/proto';
import { CityMLError, InvalidArgumentError } from '@cityml/runtime';
import type { Frame } from '@cityml/ml';
import type { InferenceMetrics } from './metrics';
import { DEFAULT_ALIAS, type ModelManager, type ModelRef, type WaitOptions } from './model-manager';
import { frameFromRowBatch, type InputColumn } from './rows';
import type { Prediction, Prepared, Servable } from './servable';

/** A prediction and the version that made it. */
export interface Answer {
  modelName: string;
  version: number;
  prediction: Prediction;
}

/** How a request names its input: raw rows, or (OIP) a builder given the model's columns. */
export type InputSource = common.RowBatch | ((servable: Servable) => Prepared | Frame);

/** The model ref of a request with an optional alias and version (neither: `production`). */
export function modelRef(alias: string | undefined, version: number | undefined): ModelRef {
  if (alias && version) throw InvalidArgumentError.field('version', 'give an alias or a version, not both');
  if (version !== undefined && version !== 0) {
    if (!Number.isInteger(version) || version < 0) throw InvalidArgumentError.field('version', 'must be a positive whole number');
    return { version };
  }
  return { alias: alias || DEFAULT_ALIAS };
}

const codeName = (err: unknown) => (err instanceof CityMLError ? status[err.code] : 'INTERNAL');

/**
 * The prediction path: lease the model (loading it within the deadline), decode and
 * transform the raw input, queue it for the model's batcher, and map the outputs to
 * target units. Records the per-model request, latency metrics.
 */
export class Predictor {
  constructor(
    private readonly manager: ModelManager,
    private readonly metrics: InferenceMetrics,
  ) {}

  /**
   * @throws NotFoundError unknown model / version / alias; InvalidArgumentError bad rows
   * (naming the column and row); UnavailableError the model failed to load;
   * DeadlineExceededError the deadline passed while loading or queued.
   */
  async predict(tenant: string, name: string, ref: ModelRef, input: InputSource, wait: WaitOptions): Promise<Answer> {
    const t0 = performance.now();
    const labels = { tenant, model: name };
    try {
      const lease = await this.manager.acquire(tenant, name, ref, wait);
      try {
        const servable = lease.model.servable as Servable;
        const prepared = prepare(servable, input);
        const out = await (lease.model.batcher as NonNullable<typeof lease.model.batcher>).submit(prepared, wait);
        const prediction = servable.finish(prepared, out);
        this.metrics.requests.inc({ ...labels, code: 'OK' });
        return { modelName: name, version: lease.model.version, prediction };
      } finally {
        lease.release();
      }
    } catch (err) {
      this.metrics.requests.inc({ ...labels, code: codeName(err) });
      throw err;
    } finally {
      this.metrics.latency.observe(labels, (performance.now() - t0) / 1000);
    }
  }

  /** The columns a model reads (loading it if needed), for OIP metadata. */
  async columns(tenant: string, name: string, ref: ModelRef, wait: WaitOptions): Promise<{ version: number; servable: Servable; columns: InputColumn[] }> {
    const lease = await this.manager.acquire(tenant, name, ref, wait);
    try {
      const servable = lease.model.servable as Servable;
      return { version: lease.model.version, servable, columns: servable.inputColumns };
    } finally {
      lease.release();
    }
  }
}

function prepare(servable: Servable, input: InputSource): Prepared {
  if (typeof input !== 'function') return servable.prepare(frameFromRowBatch(input, servable.inputColumns));
  const built = input(servable);
  return 'inputs' in built ? built : servable.prepare(built);
}
