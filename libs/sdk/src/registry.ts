import { createHash } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { registry } from '@cityml/proto';
import { callOptions, CityMLClientError, clientStream, createClient, serverStream, unary, type ConnectionOptions } from './core';

/** A registered model (name, description, tags, latest version, aliases). */
export type RegisteredModel = registry.Model;
/** A model version: artifact (bundle) id, sha256 and size, signature, metrics, lineage, status, aliases. */
export type ModelVersion = registry.ModelVersion;
/** One alias change: from which version to which, who and when (0 = none). */
export type AliasChange = registry.AliasChange;
/** A change event of the registry, numbered by `sequence` (increasing per tenant). */
export type ModelEvent = registry.ModelEvent;
/** Status of a version: PENDING, READY or FAILED. */
export const ModelVersionStatus = registry.ModelVersionStatus;
export type ModelVersionStatus = registry.ModelVersionStatus;
/** Type of a {@link ModelEvent}. */
export const ModelEventType = registry.ModelEventType;
export type ModelEventType = registry.ModelEventType;

/** Request objects: every field optional, nested messages too (missing fields take proto defaults). */
export type RegistryInput<T> = T extends Date | Buffer | Uint8Array ? T : T extends (infer U)[] ? RegistryInput<U>[] : T extends object ? { [K in keyof T]?: RegistryInput<T[K]> } : T;

/** The result of an upload: the content-addressed artifact id (its sha256) and size. */
export interface UploadedArtifact {
  artifactId: string;
  sha256: string;
  size: number;
}

/** Options of {@link RegistryClient.watchModels}. */
export interface WatchOptions {
  /** Deliver events after this sequence (0 = only new events, unless fromStart). */
  afterSequence?: number;
  /** With afterSequence 0: replay the whole history first. */
  fromStart?: boolean;
  /** Only this model's events. */
  modelName?: string;
  /** Ends the stream (the iterable then returns without error). */
  signal?: AbortSignal;
  /** Called with the sequence the stream starts after (the server's first message); events wait until a returned promise settles. */
  onStart?: (startSequence: number) => unknown;
}

/** Options of {@link RegistryClient.followModels}. */
export interface FollowOptions extends WatchOptions {
  /** First reconnect delay (default 200 ms), doubled up to maxBackoffMs (default 5 s). */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** Called before each reconnect, with the error (undefined when the server ended the stream, e.g. draining). */
  onReconnect?: (info: { attempt: number; afterSequence: number; error?: Error }) => void;
}

/** A signature object that is not one (see {@link parseModelSignature}). */
export class ModelSignatureError extends Error {}

const OUTPUT_KINDS: Record<string, registry.OutputKind> = {
  regression: registry.OutputKind.OUTPUT_KIND_REGRESSION,
  classification: registry.OutputKind.OUTPUT_KIND_CLASSIFICATION,
  forecast: registry.OutputKind.OUTPUT_KIND_FORECAST,
};

/**
 * Reads a declared signature of an imported model from a plain object (a parsed JSON or
 * YAML file): `{ inputs: [{ name, shape: [-1, 3], dtype? }], output: "regression" |
 * "classification" | "forecast", classLabels?: [...], horizon?: n }` (`outputKind`,
 * `output_kind` and `class_labels` work too). Throws {@link ModelSignatureError}.
 */
export function parseModelSignature(value: unknown): registry.Signature {
  const o = value as Record<string, unknown> | null;
  if (!o || typeof o !== 'object') throw new ModelSignatureError('a signature must be an object');
  if (!Array.isArray(o.inputs) || !o.inputs.length) throw new ModelSignatureError('inputs: a list of { name, shape } is required');
  const inputs = o.inputs.map((raw, i) => {
    const input = raw as Record<string, unknown>;
    if (!input || typeof input.name !== 'string' || !input.name) throw new ModelSignatureError(`inputs[${i}].name is required`);
    if (!Array.isArray(input.shape) || !input.shape.every((d) => Number.isInteger(d))) throw new ModelSignatureError(`inputs[${i}].shape must be a list of integers (-1 = variable)`);
    return { name: input.name, dtype: typeof input.dtype === 'string' ? input.dtype : 'float32', shape: input.shape as number[] };
  });
  const kindText = String(o.output ?? o.outputKind ?? o.output_kind ?? '').toLowerCase().replace(/^output_kind_/, '');
  const outputKind = OUTPUT_KINDS[kindText];
  if (outputKind === undefined) throw new ModelSignatureError('output must be "regression", "classification" or "forecast"');
  const labels = (o.classLabels ?? o.class_labels ?? []) as unknown[];
  if (!Array.isArray(labels) || !labels.every((l) => typeof l === 'string' || typeof l === 'number')) throw new ModelSignatureError('classLabels must be a list of labels');
  const horizon = Number(o.horizon ?? 0);
  if (!Number.isInteger(horizon) || horizon < 0) throw new ModelSignatureError('horizon must be a whole number');
  return registry.Signature.fromPartial({ inputs, outputKind, classLabels: labels.map(String), horizon });
}

/** Where an alias points (0 = nowhere), as of event `sequence` (or the start of a watch). */
export interface AliasPosition {
  version: number;
  sequence: number;
}

/** The size of the chunks the SDK uploads (1 MiB). */
export const UPLOAD_CHUNK_BYTES = 1024 * 1024;

/** Codes a reconnecting watcher gives up on: retrying cannot help. */
const FATAL = new Set<number>([status.INVALID_ARGUMENT, status.NOT_FOUND, status.PERMISSION_DENIED, status.UNAUTHENTICATED, status.UNIMPLEMENTED]);

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

async function* chunked(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): AsyncIterable<Buffer> {
  for await (const part of source) {
    const buf = Buffer.from(part.buffer, part.byteOffset, part.byteLength);
    for (let i = 0; i < buf.length; i += UPLOAD_CHUNK_BYTES) yield Buffer.from(buf.subarray(i, i + UPLOAD_CHUNK_BYTES));
  }
}

/**
 * Typed client of the registry service (cityml.registry.v1.RegistryService). Every
 * method rejects with a {@link CityMLClientError} carrying the gRPC status code.
 */
export class RegistryClient {
  /** The generated grpc-js client, for calls this class does not wrap. */
  readonly raw: registry.RegistryServiceClient;

  constructor(readonly options: ConnectionOptions) {
    this.raw = createClient(registry.RegistryServiceClient, options);
  }

  private call<Req, Res>(method: keyof registry.RegistryServiceClient, req: Req): Promise<Res> {
    const fn = (this.raw[method] as (...a: unknown[]) => unknown).bind(this.raw);
    return unary(fn as never, req, callOptions(this.options));
  }

  /** Registers a model. ALREADY_EXISTS when the name is taken; INVALID_ARGUMENT. */
  async createModel(req: RegistryInput<registry.CreateModelRequest> & { name: string }): Promise<RegisteredModel> {
    const res = await this.call<registry.CreateModelRequest, registry.CreateModelResponse>('createModel', registry.CreateModelRequest.fromPartial(req));
    return res.model!;
  }

  /** A model with its aliases. NOT_FOUND. */
  async getModel(name: string): Promise<RegisteredModel> {
    return (await this.call<registry.GetModelRequest, registry.GetModelResponse>('getModel', { name })).model!;
  }

  /** One page of models by name prefix, tag ("key" or "key=value") and alias. */
  listModels(req: RegistryInput<registry.ListModelsRequest> = {}): Promise<registry.ListModelsResponse> {
    return this.call('listModels', registry.ListModelsRequest.fromPartial(req));
  }

  /** Every matching model, page after page. */
  async *iterateModels(req: RegistryInput<registry.ListModelsRequest> = {}): AsyncIterable<RegisteredModel> {
    let pageToken = '';
    do {
      const page = await this.listModels({ ...req, pageToken });
      yield* page.models;
      pageToken = page.nextPageToken;
    } while (pageToken);
  }

  /**
   * Registers the model's next version (numbered 1, 2, 3… even under concurrency). With an
   * artifactId the artifact's sha256 and size are recorded and the status defaults to READY.
   * NOT_FOUND (model unless createModel, artifact), INVALID_ARGUMENT.
   */
  async createModelVersion(req: RegistryInput<registry.CreateModelVersionRequest> & { modelName: string }): Promise<ModelVersion> {
    const res = await this.call<registry.CreateModelVersionRequest, registry.CreateModelVersionResponse>('createModelVersion', registry.CreateModelVersionRequest.fromPartial(req));
    return res.version!;
  }

  /**
   * Uploads an encoded model bundle and registers it as the model's next version (training's
   * one call). The bundle is `encodeBundle(bundle)` from @cityml/ml/bundle.
   */
  async publishModelVersion(bundle: Uint8Array, req: RegistryInput<Omit<registry.CreateModelVersionRequest, 'artifactId'>> & { modelName: string }): Promise<ModelVersion> {
    const { artifactId } = await this.uploadArtifact(bundle, { mediaType: 'application/vnd.cityml.model-bundle' });
    return this.createModelVersion({ ...req, artifactId });
  }

  /** One version. NOT_FOUND. */
  async getModelVersion(modelName: string, version: number): Promise<ModelVersion> {
    return (await this.call<registry.GetModelVersionRequest, registry.GetModelVersionResponse>('getModelVersion', { modelName, version })).version!;
  }

  /** One page of a model's versions, newest first, by tag, alias and metric thresholds ({metric:'rmse', op:'<', value:3}). */
  listModelVersions(req: RegistryInput<registry.ListModelVersionsRequest> & { modelName: string }): Promise<registry.ListModelVersionsResponse> {
    return this.call('listModelVersions', registry.ListModelVersionsRequest.fromPartial(req));
  }

  /**
   * PENDING → READY or FAILED. With READY, `artifactId` attaches the bundle to a version
   * created without one. FAILED_PRECONDITION when already final.
   */
  async updateModelVersionStatus(modelName: string, version: number, newStatus: ModelVersionStatus, statusMessage = '', opts: { artifactId?: string } = {}): Promise<ModelVersion> {
    const res = await this.call<registry.UpdateModelVersionStatusRequest, registry.UpdateModelVersionStatusResponse>('updateModelVersionStatus', { modelName, version, status: newStatus, statusMessage, artifactId: opts.artifactId ?? '' });
    return res.version!;
  }

  /** Soft-deletes a version. FAILED_PRECONDITION while an alias points at it. */
  async archiveModelVersion(modelName: string, version: number): Promise<ModelVersion> {
    return (await this.call<registry.ArchiveModelVersionRequest, registry.ArchiveModelVersionResponse>('archiveModelVersion', { modelName, version })).version!;
  }

  /**
   * Points an alias at a version, atomically. With `expectedVersion` it is a compare-and-set
   * (0 = the alias must not exist yet): FAILED_PRECONDITION when another promoter moved it.
   */
  setAlias(modelName: string, alias: string, version: number, opts: { expectedVersion?: number } = {}): Promise<registry.SetAliasResponse> {
    return this.call('setAlias', { modelName, alias, version, expectedVersion: opts.expectedVersion });
  }

  /** Removes an alias. NOT_FOUND. */
  async deleteAlias(modelName: string, alias: string): Promise<void> {
    await this.call('deleteAlias', { modelName, alias });
  }

  /** The version an alias points at. NOT_FOUND. */
  async getVersionByAlias(modelName: string, alias: string): Promise<ModelVersion> {
    return (await this.call<registry.GetVersionByAliasRequest, registry.GetVersionByAliasResponse>('getVersionByAlias', { modelName, alias })).version!;
  }

  /** Alias changes, newest first; with `at` (and `alias`), `versionAt` is the version the alias pointed at then (0 = none). */
  listAliasHistory(modelName: string, opts: { alias?: string; at?: Date; pageSize?: number; pageToken?: string } = {}): Promise<registry.ListAliasHistoryResponse> {
    return this.call('listAliasHistory', registry.ListAliasHistoryRequest.fromPartial({ modelName, ...opts }));
  }

  /** The version `alias` pointed at, at time `at` (0 = none). */
  async versionAt(modelName: string, alias: string, at: Date): Promise<number> {
    return (await this.listAliasHistory(modelName, { alias, at, pageSize: 1 })).versionAt;
  }

  /** Moves an alias back to its version before its last change. FAILED_PRECONDITION when there is none. */
  rollbackAlias(modelName: string, alias: string): Promise<registry.RollbackAliasResponse> {
    return this.call('rollbackAlias', { modelName, alias });
  }

  /**
   * Uploads bytes as an artifact in 1 MiB chunks. A buffer is hashed first and its sha256 and
   * size go in the header; a stream is hashed as it is sent and they go in the trailer. The
   * server stores nothing unless what it received matches (INVALID_ARGUMENT otherwise).
   */
  uploadArtifact(data: Uint8Array | AsyncIterable<Uint8Array> | Iterable<Uint8Array>, opts: { mediaType?: string; onProgress?: (bytesSent: number) => void } = {}): Promise<UploadedArtifact> {
    const whole = data instanceof Uint8Array;
    async function* messages(): AsyncIterable<registry.UploadArtifactRequest> {
      const hash = createHash('sha256');
      let sent = 0;
      if (whole) {
        yield { header: { mediaType: opts.mediaType ?? '', size: data.byteLength, sha256: createHash('sha256').update(data).digest('hex') } };
      } else {
        yield { header: { mediaType: opts.mediaType ?? '', size: 0, sha256: '' } };
      }
      for await (const chunk of chunked(whole ? [data] : data)) {
        if (!whole) hash.update(chunk);
        sent += chunk.length;
        yield { chunk };
        opts.onProgress?.(sent);
      }
      if (!whole) yield { trailer: { size: sent, sha256: hash.digest('hex') } };
    }
    return clientStream<registry.UploadArtifactRequest, registry.UploadArtifactResponse>((cb) => this.raw.uploadArtifact(cb), messages()).then((r) => ({
      artifactId: r.artifactId,
      sha256: r.sha256,
      size: r.size,
    }));
  }

  /** Streams an artifact's bytes chunk by chunk (each at most 1 MiB). NOT_FOUND. */
  async *downloadArtifactStream(artifactId: string, opts: { onProgress?: (received: number, total: number) => void } = {}): AsyncIterable<Buffer> {
    let received = 0;
    for await (const m of serverStream(this.raw.downloadArtifact({ artifactId }))) {
      if (m.offset !== received) throw new CityMLClientError(status.DATA_LOSS, `artifact ${artifactId}: chunk at offset ${m.offset}, expected ${received}`);
      received += m.chunk.length;
      opts.onProgress?.(received, m.totalSize);
      if (m.chunk.length) yield m.chunk;
    }
  }

  /** Downloads a whole artifact and checks it against its id (its sha256). NOT_FOUND, DATA_LOSS. */
  async downloadArtifact(artifactId: string, opts: { onProgress?: (received: number, total: number) => void } = {}): Promise<Buffer> {
    const parts: Buffer[] = [];
    for await (const p of this.downloadArtifactStream(artifactId, opts)) parts.push(p);
    const buf = Buffer.concat(parts);
    const sha = createHash('sha256').update(buf).digest('hex');
    if (sha !== artifactId.toLowerCase()) throw new CityMLClientError(status.DATA_LOSS, `artifact ${artifactId}: received bytes hash to ${sha}`);
    return buf;
  }

  /**
   * A version and its encoded bundle (decode with `decodeBundle` from @cityml/ml/bundle), by
   * alias or version number (inference's one call). NOT_FOUND, FAILED_PRECONDITION (no artifact).
   */
  async fetchModelBundle(modelName: string, ref: { alias: string } | { version: number }): Promise<{ version: ModelVersion; bundle: Buffer }> {
    const version = 'alias' in ref ? await this.getVersionByAlias(modelName, ref.alias) : await this.getModelVersion(modelName, ref.version);
    if (!version.artifactId) throw new CityMLClientError(status.FAILED_PRECONDITION, `version ${version.version} of ${modelName} has no artifact`);
    return { version, bundle: await this.downloadArtifact(version.artifactId) };
  }

  /**
   * Imports a TF.js Layers model: uploads each weight file, then asks the registry to load and
   * check it against `signature`. `weightFiles` maps the paths model.json names to their bytes.
   * INVALID_ARGUMENT naming what does not match.
   */
  async importModelVersion(req: RegistryInput<Omit<registry.ImportModelVersionRequest, 'modelJson' | 'weightFiles'>> & { modelName: string; modelJson: Uint8Array | string | object; weightFiles: Map<string, Uint8Array> | Record<string, Uint8Array> }): Promise<ModelVersion> {
    const { modelJson, weightFiles, ...rest } = req;
    const entries = weightFiles instanceof Map ? [...weightFiles.entries()] : Object.entries(weightFiles);
    const uploaded = [];
    for (const [path, bytes] of entries) uploaded.push({ path, artifactId: (await this.uploadArtifact(bytes)).artifactId });
    const json = modelJson instanceof Uint8Array ? Buffer.from(modelJson) : Buffer.from(typeof modelJson === 'string' ? modelJson : JSON.stringify(modelJson));
    const message = registry.ImportModelVersionRequest.fromPartial({ ...rest, modelJson: json, weightFiles: uploaded });
    const res = await unary<registry.ImportModelVersionRequest, registry.ImportModelVersionResponse>(this.raw.importModelVersion.bind(this.raw) as never, message, callOptions(this.options, 120_000));
    return res.version!;
  }

  /**
   * Registry events after `afterSequence` (replayed, then live), exactly once and in order.
   * Ends when `signal` aborts or the server drains; errors are {@link CityMLClientError}s.
   * For a watcher that survives disconnects use {@link followModels}.
   */
  async *watchModels(opts: WatchOptions = {}): AsyncIterable<ModelEvent> {
    if (opts.signal?.aborted) return;
    const call = this.raw.watchModels(registry.WatchModelsRequest.fromPartial({ afterSequence: opts.afterSequence ?? 0, fromStart: opts.fromStart ?? false, modelName: opts.modelName ?? '' }));
    const cancel = () => call.cancel();
    opts.signal?.addEventListener('abort', cancel, { once: true });
    try {
      for await (const m of serverStream(call)) {
        if (m.event) yield m.event;
        else await opts.onStart?.(m.startSequence);
      }
    } catch (err) {
      if (opts.signal?.aborted && (err as CityMLClientError).code === status.CANCELLED) return;
      throw err;
    } finally {
      opts.signal?.removeEventListener('abort', cancel);
    }
  }

  /**
   * A watcher that reconnects (with backoff) whenever the stream breaks or the server ends it,
   * resuming after the last sequence it delivered, so no event is missed or repeated. Runs
   * until `signal` aborts; throws only on errors retrying cannot fix (INVALID_ARGUMENT,
   * NOT_FOUND, PERMISSION_DENIED, UNAUTHENTICATED, UNIMPLEMENTED). Inference uses it to follow aliases.
   */
  async *followModels(opts: FollowOptions = {}): AsyncIterable<ModelEvent> {
    let last = opts.afterSequence ?? 0;
    let fromStart = opts.fromStart ?? false;
    let attempt = 0;
    const min = opts.minBackoffMs ?? 200;
    const max = opts.maxBackoffMs ?? 5_000;
    while (!opts.signal?.aborted) {
      let error: Error | undefined;
      try {
        for await (const event of this.watchModels({
          ...opts,
          afterSequence: last,
          fromStart,
          onStart: async (s) => {
            // Known start point: any reconnect replays from here (from_start covers "nothing yet").
            last = s;
            fromStart = true;
            attempt = 0;
            await opts.onStart?.(s);
          },
        })) {
          last = event.sequence;
          yield event;
        }
      } catch (err) {
        if (err instanceof CityMLClientError && FATAL.has(err.code)) throw err;
        error = err as Error;
      }
      if (opts.signal?.aborted) return;
      attempt++;
      opts.onReconnect?.({ attempt, afterSequence: last, error });
      await sleep(Math.min(max, min * 2 ** Math.min(attempt - 1, 10)), opts.signal);
    }
  }

  /**
   * Follows one alias: yields the version it points at now (0 = no such alias), then again
   * each time it moves or is deleted, surviving disconnects like {@link followModels}. The
   * watch starts before the current version is read, so no move is missed; right after a
   * (re)start a value may repeat, and the last value yielded is always the current one.
   * Inference uses it to hot-swap the model it serves. Runs until `signal` aborts.
   */
  async *followAlias(modelName: string, alias: string, opts: Omit<FollowOptions, 'modelName' | 'afterSequence' | 'fromStart' | 'onStart'> = {}): AsyncIterable<AliasPosition> {
    const pending: AliasPosition[] = [];
    let wake: (() => void) | undefined;
    let finished = false;
    let failure: unknown;
    let last: number | undefined;
    const push = (p: AliasPosition) => {
      pending.push(p);
      wake?.();
    };
    const current = async (sequence: number) => {
      try {
        push({ version: (await this.getVersionByAlias(modelName, alias)).version, sequence });
      } catch (err) {
        if (err instanceof CityMLClientError && err.code === status.NOT_FOUND && !/^model /.test(err.message)) push({ version: 0, sequence });
        else throw err;
      }
    };
    // Ends the inner watch when the caller aborts or stops iterating.
    const inner = new AbortController();
    const abort = () => inner.abort();
    if (opts.signal?.aborted) inner.abort();
    opts.signal?.addEventListener('abort', abort, { once: true });
    const pump = (async () => {
      try {
        for await (const e of this.followModels({ ...opts, signal: inner.signal, modelName, onStart: current })) {
          if (e.alias !== alias) continue;
          if (e.type === ModelEventType.MODEL_EVENT_TYPE_ALIAS_SET) push({ version: e.version, sequence: e.sequence });
          else if (e.type === ModelEventType.MODEL_EVENT_TYPE_ALIAS_DELETED) push({ version: 0, sequence: e.sequence });
        }
      } catch (err) {
        failure = err;
      } finally {
        finished = true;
        wake?.();
      }
    })();
    try {
      for (;;) {
        while (pending.length) {
          const p = pending.shift()!;
          if (p.version !== last) yield p;
          last = p.version;
        }
        if (finished) break;
        await new Promise<void>((r) => (wake = r));
        wake = undefined;
      }
      if (failure) throw failure;
    } finally {
      inner.abort();
      opts.signal?.removeEventListener('abort', abort);
      await pump.catch(() => undefined);
    }
  }

  close(): void {
    this.raw.close();
  }
}
