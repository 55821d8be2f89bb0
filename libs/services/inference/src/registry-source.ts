import { createHash } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { registry } from '@cityml/proto';
import { FailedPreconditionError, NotFoundError, UnavailableError, type PeerConnection } from '@cityml/runtime';
import { CityML, CityMLClientError, callOptions, serverStream, unary } from '@cityml/sdk';

/** A model version as inference needs it. */
export interface VersionInfo {
  modelName: string;
  version: number;
  artifactId: string;
  artifactSha256: string;
  tags: Record<string, string>;
}

/** One message of a watch: the stream's start, or an event. */
export type WatchItem = { start: number; event?: undefined } | { event: registry.ModelEvent; start?: undefined };

/** What the model manager needs from the registry (one tenant's view). */
export interface ModelSource {
  /** The version an alias points at now. @throws NotFoundError */
  resolveAlias(modelName: string, alias: string, deadline?: Date): Promise<VersionInfo>;
  /** @throws NotFoundError; FailedPreconditionError when the version is not READY or archived. */
  getVersion(modelName: string, version: number, deadline?: Date): Promise<VersionInfo>;
  /** The version's bundle bytes, checked against its sha256. */
  download(info: VersionInfo, deadline?: Date): Promise<Buffer>;
  /**
   * Model events after `afterSequence` (0 = only new ones), until the stream breaks or
   * `signal` aborts. First a `{ start }` entry: the sequence the stream delivers events after.
   */
  watch(afterSequence: number, signal: AbortSignal): AsyncIterable<WatchItem>;
  close(): void;
}

function msUntil(deadline?: Date): number | undefined {
  return deadline ? Math.max(1, deadline.getTime() - Date.now()) : undefined;
}

/** Keeps NOT_FOUND as it is and turns a registry outage into UNAVAILABLE. */
function translate(err: unknown, what: string): Error {
  if (err instanceof CityMLClientError) {
    if (err.code === status.NOT_FOUND) return new NotFoundError(err.message);
    if (err.code === status.DEADLINE_EXCEEDED) return err;
    if (err.code === status.UNAVAILABLE) return new UnavailableError(`registry unavailable while ${what}`);
  }
  return err as Error;
}

function usable(v: registry.ModelVersion | undefined, what: string): VersionInfo {
  if (!v) throw new NotFoundError(`${what} not found`);
  if (v.archived) throw new FailedPreconditionError(`version ${v.version} of model ${v.modelName} is archived`);
  if (v.status !== registry.ModelVersionStatus.MODEL_VERSION_STATUS_READY) {
    const state = registry.modelVersionStatusToJSON(v.status).replace('MODEL_VERSION_STATUS_', '').toLowerCase();
    throw new FailedPreconditionError(`version ${v.version} of model ${v.modelName} is ${state}, not ready`);
  }
  return { modelName: v.modelName, version: v.version, artifactId: v.artifactId, artifactSha256: v.artifactSha256, tags: v.tags ?? {} };
}

/** {@link ModelSource} over the registry's gRPC API, acting for one tenant. */
export class RegistryModelSource implements ModelSource {
  private current?: { address: string; client: CityML };

  /** `peer` is read at each call: the registry may be this process, whose port is known only once it listens. */
  constructor(
    private readonly peer: () => PeerConnection,
    private readonly tenant: string,
  ) {}

  private get client(): CityML {
    const p = this.peer();
    if (this.current?.address !== p.address) {
      this.current?.client.close();
      this.current = { address: p.address, client: new CityML({ ...p, actForTenant: this.tenant }) };
    }
    return this.current.client;
  }

  private get raw(): registry.RegistryServiceClient {
    return this.client.registry.raw;
  }

  async resolveAlias(modelName: string, alias: string, deadline?: Date): Promise<VersionInfo> {
    const res = await unary(this.raw.getVersionByAlias.bind(this.raw), { modelName, alias }, callOptions(this.client.options, msUntil(deadline))).catch((e) => {
      throw translate(e, `resolving ${modelName}@${alias}`);
    });
    return usable(res.version, `alias ${alias} of model ${modelName}`);
  }

  async getVersion(modelName: string, version: number, deadline?: Date): Promise<VersionInfo> {
    const res = await unary(this.raw.getModelVersion.bind(this.raw), { modelName, version }, callOptions(this.client.options, msUntil(deadline))).catch((e) => {
      throw translate(e, `reading ${modelName}:${version}`);
    });
    return usable(res.version, `version ${version} of model ${modelName}`);
  }

  async download(info: VersionInfo, deadline?: Date): Promise<Buffer> {
    const parts: Buffer[] = [];
    const hash = createHash('sha256');
    try {
      const stream = this.raw.downloadArtifact({ artifactId: info.artifactId }, callOptions(this.client.options, msUntil(deadline) ?? 120_000));
      for await (const m of serverStream<registry.DownloadArtifactResponse>(stream)) {
        const chunk = Buffer.from(m.chunk);
        hash.update(chunk);
        parts.push(chunk);
      }
    } catch (err) {
      throw translate(err, `downloading ${info.modelName}:${info.version}`);
    }
    const sha = hash.digest('hex');
    if (info.artifactSha256 && sha !== info.artifactSha256) throw new Error(`artifact of ${info.modelName}:${info.version} does not match its sha256`);
    return Buffer.concat(parts);
  }

  async *watch(afterSequence: number, signal: AbortSignal): AsyncIterable<WatchItem> {
    const stream = this.raw.watchModels({ afterSequence, modelName: '', fromStart: false });
    const cancel = () => stream.cancel();
    signal.addEventListener('abort', cancel, { once: true });
    try {
      for await (const m of serverStream<registry.WatchModelsResponse>(stream)) yield m.event ? { event: m.event } : { start: m.startSequence };
    } finally {
      signal.removeEventListener('abort', cancel);
    }
  }

  close(): void {
    this.current?.client.close();
    this.current = undefined;
  }
}
