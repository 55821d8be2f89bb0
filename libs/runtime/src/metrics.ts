import { createServer, type Server } from 'node:http';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { status } from '@grpc/grpc-js';

const CODE_NAMES: Record<number, string> = Object.fromEntries(Object.entries(status).filter(([, v]) => typeof v === 'number').map(([k, v]) => [v, k]));

/** Prometheus metrics of one process: per-method request counts and latency, plus Node defaults. */
export class Metrics {
  readonly registry = new Registry();
  private readonly requests = new Counter({
    name: 'cityml_grpc_requests_total',
    help: 'gRPC calls handled, by method and status code',
    labelNames: ['method', 'code'] as const,
    registers: [this.registry],
  });
  private readonly latency = new Histogram({
    name: 'cityml_grpc_request_duration_seconds',
    help: 'gRPC call latency, by method and status code',
    labelNames: ['method', 'code'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10, 60],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'cityml_' });
  }

  private readonly extra: Registry[] = [];

  /** Adds a service's own registry (its metrics then appear on the same /metrics). */
  include(registry: Registry): void {
    this.extra.push(registry);
  }

  /** The text exposition of every registry of this process. */
  async text(): Promise<string> {
    const parts = await Promise.all([this.registry, ...this.extra].map((r) => r.metrics()));
    return parts.join('\n');
  }

  /** Records one finished call. */
  observeCall(method: string, code: status, seconds: number): void {
    const labels = { method, code: CODE_NAMES[code] ?? String(code) };
    this.requests.inc(labels);
    this.latency.observe(labels, seconds);
  }

  /** Serves GET /metrics on `port` (0 picks a free port). */
  async serve(host: string, port: number): Promise<Server> {
    const server = createServer((req, res) => {
      if (req.url !== '/metrics') {
        res.writeHead(404).end();
        return;
      }
      this.text().then(
        (body) => res.writeHead(200, { 'content-type': this.registry.contentType }).end(body),
        () => res.writeHead(500).end(),
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    return server;
  }
}
