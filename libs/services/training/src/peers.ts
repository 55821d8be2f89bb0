import { createHash } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { preprocessing, registry, type evaluation } from '@cityml/proto';
import { FailedPreconditionError, NotFoundError, UnavailableError, type PeerConnection } from '@cityml/runtime';
import { callOptions, CityML, CityMLClientError, clientStream, serverStream, unary } from '@cityml/sdk';

const CHUNK = 1024 * 1024;

/** Maps another service's error to ours: NOT_FOUND stays, the rest is UNAVAILABLE. */
function peerError(what: string, err: unknown): Error {
  if (err instanceof CityMLClientError && err.code === status.NOT_FOUND) return new NotFoundError(`${what} not found`);
  if (err instanceof CityMLClientError && err.code === status.FAILED_PRECONDITION) return new FailedPreconditionError(`${what}: ${err.message}`);
  return new UnavailableError(`${what}: ${err instanceof Error ? err.message : String(err)}`, [], { cause: err });
}

/** The production version of a model: its number, evaluation and bundle bytes. */
export interface ProductionVersion {
  version: number;
  evaluation?: evaluation.Evaluation;
  bundle: Buffer;
}

/**
 * The training service's view of its peers, through the SDK: preprocessing (feature
 * sets) and the registry (artifacts, versions, aliases), acting for one tenant.
 */
export class Peers {
  private readonly clients = new Map<string, CityML>();

  /** `peer` is asked on first use: the process's own port is known only once it serves. */
  constructor(private readonly peer: (service: 'preprocessing' | 'registry') => PeerConnection) {}

  private client(service: 'preprocessing' | 'registry', tenant: string): CityML {
    const key = `${service}\0${tenant}`;
    let c = this.clients.get(key);
    if (!c) {
      c = new CityML({ ...this.peer(service), actForTenant: tenant, deadlineMs: 60_000 });
      this.clients.set(key, c);
    }
    return c;
  }

  private reg(tenant: string): registry.RegistryServiceClient {
    return this.client('registry', tenant).registry.raw;
  }

  /** @throws NotFoundError for an unknown feature set; UnavailableError when preprocessing is down. */
  async featureSet(tenant: string, id: string): Promise<preprocessing.FeatureSet> {
    const c = this.client('preprocessing', tenant);
    const raw = c.preprocessing.raw;
    try {
      const res = await unary(raw.getFeatureSet.bind(raw), { id }, callOptions(c.options));
      if (!res.featureSet) throw new NotFoundError(`feature set ${id} not found`);
      return res.featureSet;
    } catch (err) {
      if (err instanceof NotFoundError) throw err;
      throw peerError(`feature set ${id}`, err);
    }
  }

  /** The model's production version with its bundle, or undefined when it has none. */
  async production(tenant: string, modelName: string): Promise<ProductionVersion | undefined> {
    const raw = this.reg(tenant);
    const opts = this.client('registry', tenant).options;
    let version: registry.ModelVersion | undefined;
    try {
      version = (await unary(raw.getVersionByAlias.bind(raw), { modelName, alias: 'production' }, callOptions(opts))).version;
    } catch (err) {
      if (err instanceof CityMLClientError && err.code === status.NOT_FOUND) return undefined;
      throw peerError(`model ${modelName}`, err);
    }
    if (!version) return undefined;
    const parts: Buffer[] = [];
    for await (const m of serverStream(raw.downloadArtifact({ artifactId: version.artifactId }, callOptions(opts, 120_000)))) parts.push(Buffer.from(m.chunk));
    return { version: version.version, evaluation: version.evaluation, bundle: Buffer.concat(parts) };
  }

  /** Uploads bytes as an artifact (sha256 and size checked by the registry); returns its id. */
  async upload(tenant: string, bytes: Buffer, mediaType: string): Promise<string> {
    const raw = this.reg(tenant);
    const opts = this.client('registry', tenant).options;
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    function* messages(): Iterable<registry.UploadArtifactRequest> {
      yield { header: { mediaType, size: bytes.length, sha256 } };
      for (let i = 0; i < bytes.length; i += CHUNK) yield { chunk: bytes.subarray(i, i + CHUNK) };
    }
    try {
      const res = await clientStream<registry.UploadArtifactRequest, registry.UploadArtifactResponse>(
        (cb) => raw.uploadArtifact(callOptions(opts, 120_000), cb),
        messages(),
      );
      return res.artifactId;
    } catch (err) {
      throw peerError('artifact upload', err);
    }
  }

  /** A version this job registered before (tag job_id), e.g. by an attempt that crashed after registering. */
  async versionOfJob(tenant: string, modelName: string, jobId: string): Promise<registry.ModelVersion | undefined> {
    const raw = this.reg(tenant);
    try {
      const res = await unary(raw.listModelVersions.bind(raw), { modelName, tag: `job_id=${jobId}`, metrics: [], includeArchived: true, pageSize: 1, pageToken: '', alias: '' }, callOptions(this.client('registry', tenant).options));
      return res.versions[0];
    } catch (err) {
      if (err instanceof CityMLClientError && err.code === status.NOT_FOUND) return undefined;
      throw peerError(`model ${modelName}`, err);
    }
  }

  /** Registers a version (creating the model when missing). */
  async createVersion(tenant: string, req: registry.CreateModelVersionRequest): Promise<registry.ModelVersion> {
    const raw = this.reg(tenant);
    try {
      const res = await unary(raw.createModelVersion.bind(raw), req, callOptions(this.client('registry', tenant).options));
      if (!res.version) throw new Error('the registry returned no version');
      return res.version;
    } catch (err) {
      throw peerError(`model ${req.modelName}`, err);
    }
  }

  /**
   * Moves `production` to `version` if it still points at `expected` (0 = no production).
   * @returns false when another change won the compare-and-set.
   */
  async promote(tenant: string, modelName: string, version: number, expected: number): Promise<boolean> {
    const raw = this.reg(tenant);
    try {
      await unary(raw.setAlias.bind(raw), { modelName, alias: 'production', version, expectedVersion: expected }, callOptions(this.client('registry', tenant).options));
      return true;
    } catch (err) {
      if (err instanceof CityMLClientError && (err.code === status.FAILED_PRECONDITION || err.code === status.ABORTED)) return false;
      throw peerError(`model ${modelName}`, err);
    }
  }

  close(): void {
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
  }
}
