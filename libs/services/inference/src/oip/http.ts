import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Metadata, status } from '@grpc/grpc-js';
import type { Registry } from 'prom-client';
import type { Logger } from 'pino';
import { CityMLError, InvalidArgumentError, type Authenticator } from '@cityml/runtime';
import type { ModelManager } from '../model-manager';
import type { Predictor } from '../predictor';
import { modelMetadata, SERVER_NAME, SERVER_VERSION } from './grpc';
import { inputsFromTensors, oipRef, outputTensors, type Tensor } from './tensors';

const HTTP_STATUS: Partial<Record<status, number>> = {
  [status.INVALID_ARGUMENT]: 400,
  [status.FAILED_PRECONDITION]: 400,
  [status.NOT_FOUND]: 404,
  [status.UNAUTHENTICATED]: 401,
  [status.PERMISSION_DENIED]: 403,
  [status.RESOURCE_EXHAUSTED]: 429,
  [status.UNAVAILABLE]: 503,
  [status.DEADLINE_EXCEEDED]: 504,
  [status.CANCELLED]: 499,
};

const MAX_BODY = 64 * 1024 * 1024;

/** Options of the OIP HTTP/JSON binding. */
export interface HttpOptions {
  host: string;
  port: number;
  predictor: Predictor;
  manager: ModelManager;
  ready: () => boolean;
  /** Resolves the caller from the Authorization header (the platform's authenticator). */
  authenticate: Authenticator;
  metrics: Registry;
  log: Logger;
  /** Deadline of an HTTP request (there is no grpc-timeout). */
  requestTimeoutMs?: number;
}

function send(res: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw InvalidArgumentError.field('body', 'is larger than 64 MiB');
    parts.push(chunk as Buffer);
  }
  try {
    const v = JSON.parse(Buffer.concat(parts).toString('utf8'));
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not an object');
    return v;
  } catch {
    throw InvalidArgumentError.field('body', 'is not a JSON object');
  }
}

function flatten(data: unknown, out: unknown[] = []): unknown[] {
  if (Array.isArray(data)) for (const d of data) flatten(d, out);
  else out.push(data);
  return out;
}

/** The JSON request's inputs as tensors ({name, datatype, shape, data} with nested or flat data). */
export function jsonTensors(body: Record<string, unknown>): Tensor[] {
  const inputs = body.inputs;
  if (!Array.isArray(inputs)) throw InvalidArgumentError.field('inputs', 'must be an array of tensors');
  return inputs.map((t: Record<string, unknown>, i) => {
    if (typeof t?.name !== 'string' || typeof t.datatype !== 'string' || !Array.isArray(t.shape)) {
      throw InvalidArgumentError.field(`inputs[${i}]`, 'needs name, datatype, shape and data');
    }
    return { name: t.name, datatype: t.datatype, shape: t.shape.map(Number), data: flatten(t.data) as Tensor['data'] };
  });
}

const ROUTE = /^\/v2\/models\/([^/]+)(?:\/versions\/([^/]+))?(\/ready|\/infer)?\/?$/;

/**
 * The Open Inference Protocol's HTTP/JSON binding on node:http: GET /v2, /v2/health/live,
 * /v2/health/ready, /v2/models/{name}[/versions/{v}] (metadata), …/ready, and
 * POST …/infer; plus GET /metrics (the inference metrics). Errors are `{"error": "…"}`
 * with 400 / 404 / 503 / 504 as the gRPC code would be.
 */
export async function startHttp(o: HttpOptions): Promise<Server> {
  const timeout = o.requestTimeoutMs ?? 60_000;
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname;
    if (req.method === 'GET' && path === '/metrics') {
      res.writeHead(200, { 'content-type': o.metrics.contentType }).end(await o.metrics.metrics());
      return;
    }
    if (req.method === 'GET' && path === '/v2/health/live') return send(res, 200, { live: true });
    if (req.method === 'GET' && path === '/v2/health/ready') return send(res, o.ready() ? 200 : 503, { ready: o.ready() });
    if (req.method === 'GET' && (path === '/v2' || path === '/v2/')) return send(res, 200, { name: SERVER_NAME, version: SERVER_VERSION, extensions: [] });
    const m = ROUTE.exec(path);
    if (!m) return send(res, 404, { error: `no route ${req.method} ${path}` });
    const metadata = new Metadata();
    if (req.headers.authorization) metadata.set('authorization', req.headers.authorization);
    const principal = await o.authenticate(metadata, '/inference.GRPCInferenceService/ModelInfer');
    const name = decodeURIComponent(m[1]);
    const version = m[2] ? decodeURIComponent(m[2]) : '';
    const controller = new AbortController();
    res.on('close', () => !res.writableEnded && controller.abort());
    const wait = { deadline: new Date(Date.now() + timeout), signal: controller.signal };
    if (req.method === 'GET' && m[3] === '/ready') {
      const ready = o.manager.isReady(principal.tenant, name, oipRef(version));
      return send(res, ready ? 200 : 503, { name, ready });
    }
    if (req.method === 'GET' && !m[3]) return send(res, 200, await modelMetadata(o.predictor, principal.tenant, name, version, wait));
    if (req.method === 'POST' && m[3] === '/infer') {
      const body = await readJson(req);
      const tensors = jsonTensors(body);
      const requested = Array.isArray(body.outputs) ? body.outputs.map((x: { name?: unknown }) => String(x?.name ?? '')) : [];
      const answer = await o.predictor.predict(principal.tenant, name, oipRef(version), (s) => inputsFromTensors(s, tensors), wait);
      const outputs = outputTensors(answer.prediction, requested).map((t) => ({ name: t.name, datatype: t.datatype, shape: t.shape, data: Array.from(t.data as ArrayLike<unknown>) }));
      return send(res, 200, { model_name: answer.modelName, model_version: String(answer.version), ...(body.id !== undefined ? { id: body.id } : {}), outputs });
    }
    return send(res, 405, { error: `${req.method} is not allowed on ${path}` });
  };
  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (err instanceof CityMLError) return send(res, HTTP_STATUS[err.code] ?? 500, { error: err.message });
      o.log.error({ err }, 'OIP HTTP request failed');
      send(res, 500, { error: 'internal error' });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve());
  });
  return server;
}

/** The port an HTTP server is bound to. */
export function boundPort(server: Server): number {
  return (server.address() as AddressInfo).port;
}
