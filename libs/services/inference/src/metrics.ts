import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * Prometheus metrics of the inference service, per model: requests, latency, batch sizes,
 * queue depth, loads (and failed loads), swaps, and the loaded models' tensor memory.
 * They live on their own registry; the host merges it into the process's /metrics
 * (and the OIP HTTP port serves it at /metrics).
 */
export class InferenceMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'cityml_inference_requests_total',
    help: 'Prediction requests, by model and status code',
    labelNames: ['tenant', 'model', 'code'] as const,
    registers: [this.registry],
  });
  readonly latency = new Histogram({
    name: 'cityml_inference_request_duration_seconds',
    help: 'Prediction latency (queue, batch and post-processing), by model',
    labelNames: ['tenant', 'model'] as const,
    buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers: [this.registry],
  });
  readonly batchSize = new Histogram({
    name: 'cityml_inference_batch_size',
    help: 'Examples per model.predict, by model',
    labelNames: ['tenant', 'model'] as const,
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024],
    registers: [this.registry],
  });
  readonly queueDepth = new Gauge({
    name: 'cityml_inference_queue_depth',
    help: 'Requests waiting for a batch, by model',
    labelNames: ['tenant', 'model'] as const,
    registers: [this.registry],
  });
  readonly loadedModels = new Gauge({
    name: 'cityml_inference_loaded_models',
    help: 'Model versions loaded and ready',
    registers: [this.registry],
  });
  readonly tensorBytes = new Gauge({
    name: 'cityml_inference_model_tensor_bytes',
    help: 'Tensor memory of each loaded model version (tf.memory() delta of its load)',
    labelNames: ['tenant', 'model', 'version'] as const,
    registers: [this.registry],
  });
  readonly loads = new Counter({
    name: 'cityml_inference_model_loads_total',
    help: 'Model version loads, by result (ok, failed)',
    labelNames: ['tenant', 'model', 'result'] as const,
    registers: [this.registry],
  });
  readonly swaps = new Counter({
    name: 'cityml_inference_alias_swaps_total',
    help: 'Alias moves applied to serving traffic, by result (ok, failed: the old version kept serving)',
    labelNames: ['tenant', 'model', 'alias', 'result'] as const,
    registers: [this.registry],
  });
  readonly evictions = new Counter({
    name: 'cityml_inference_model_evictions_total',
    help: 'Model versions evicted from the cache to stay within its tensor-memory budget',
    labelNames: ['tenant', 'model'] as const,
    registers: [this.registry],
  });
}
