import { ArtifactNotFoundError, type ArtifactStore, type Db } from '@cityml/db';
import { evaluation, registry } from '@cityml/proto';
import { FailedPreconditionError, InvalidArgumentError, NotFoundError } from '@cityml/runtime';
import { readBundleHeader, signatureToProto } from './bundle-header';
import { EVENT, modelToProto, statusFromProto, versionToProto } from './convert';
import { decodePageToken, encodePageToken, pageSize } from './page-token';
import { aliasesOf } from './store/aliases';
import { appendEvents, type NewEvent } from './store/events';
import { ensureModel, getModel, insertModel, listModels, lockModel, nextVersion } from './store/models';
import type { StatusText } from './store/sql';
import { archiveVersion, attachArtifact, getVersion, insertVersion, listVersions, setStatus } from './store/versions';
import * as check from './validate';

/** Who is calling: the tenant (from credentials) and the subject recorded as actor. */
export interface Caller {
  tenant: string;
  actor: string;
}

/** What the catalog needs. */
export interface CatalogDeps {
  db: Db;
  artifacts: ArtifactStore;
}

/** Creates a model. INVALID_ARGUMENT (bad name), ALREADY_EXISTS. */
export async function createModel(deps: CatalogDeps, c: Caller, req: registry.CreateModelRequest): Promise<registry.Model> {
  check.modelName(req.name, 'name');
  check.tags(req.tags);
  await deps.db.begin(async (tx) => {
    await insertModel(tx, c.tenant, { name: req.name, description: req.description, tags: req.tags });
    await appendEvents(tx, c.tenant, [{ type: EVENT.modelCreated, model: req.name, payload: { actor: c.actor } }]);
  });
  return modelToProto(await getModel(deps.db, c.tenant, req.name));
}

/** A model with its aliases. NOT_FOUND. */
export async function findModel(deps: CatalogDeps, c: Caller, name: string): Promise<registry.Model> {
  return modelToProto(await getModel(deps.db, c.tenant, check.modelName(name, 'name')));
}

/** Models by name prefix, tag and alias, by name, paginated. INVALID_ARGUMENT (bad filter or token). */
export async function searchModels(deps: CatalogDeps, c: Caller, req: registry.ListModelsRequest): Promise<registry.ListModelsResponse> {
  const limit = pageSize(req.pageSize);
  const after = decodePageToken<string>('models', req.pageToken, 'string');
  const rows = await listModels(deps.db, c.tenant, { namePrefix: req.namePrefix, ...check.tagFilter(req.tag), alias: req.alias, after, limit: limit + 1 });
  const page = rows.slice(0, limit);
  return { models: page.map(modelToProto), nextPageToken: rows.length > limit ? encodePageToken('models', page[page.length - 1].name) : '' };
}

/**
 * Checks that an artifact exists and is a model bundle; returns its sha256, size, format
 * and signature. NOT_FOUND, INVALID_ARGUMENT (not a bundle).
 */
async function resolveBundle(deps: CatalogDeps, c: Caller, id: string): Promise<{ artifact: { id: string; sha256: string; size: number }; format: string; signature?: registry.Signature }> {
  let info;
  try {
    info = await deps.artifacts.stat(c.tenant, id);
  } catch (err) {
    if (err instanceof ArtifactNotFoundError) throw new NotFoundError(`artifact ${JSON.stringify(id)} not found`);
    throw err;
  }
  const header = await readBundleHeader(deps.artifacts, c.tenant, info.id);
  return { artifact: { id: info.id, sha256: info.id, size: info.size }, format: header.format, signature: header.signature ? signatureToProto(header.signature) : undefined };
}

/** Fields of a new version that do not come from the caller's request. */
export interface VersionOrigin {
  source: 'trained' | 'imported';
  artifact?: { id: string; sha256: string; size: number };
}

/**
 * Creates the model's next version (numbered under the model's row lock, so concurrent
 * creators get unique consecutive numbers) with its artifact's sha256 and size. The
 * artifact must be a model bundle (`encodeBundle`); its format is recorded, and its
 * signature when the request has none. NOT_FOUND (model, unless create_model; artifact),
 * INVALID_ARGUMENT (names, tags, not a bundle, READY without artifact).
 */
export async function createVersion(deps: CatalogDeps, c: Caller, req: registry.CreateModelVersionRequest, origin: VersionOrigin = { source: 'trained' }): Promise<registry.ModelVersion> {
  check.modelName(req.modelName);
  check.tags(req.tags);
  let artifact = origin.artifact;
  let formatVersion = req.formatVersion;
  let signature = req.signature;
  if (!artifact && req.artifactId) {
    const bundle = await resolveBundle(deps, c, req.artifactId);
    if (formatVersion && formatVersion !== bundle.format) throw InvalidArgumentError.field('format_version', `is ${formatVersion}, but the bundle is ${bundle.format}`);
    artifact = bundle.artifact;
    formatVersion = bundle.format;
    signature ??= bundle.signature;
  }
  const status: StatusText = statusFromProto(req.status) ?? (artifact ? 'READY' : 'PENDING');
  if (status === 'READY' && !artifact) throw InvalidArgumentError.field('artifact_id', 'a READY version needs an artifact');
  const version = await deps.db.begin(async (tx) => {
    const events: NewEvent[] = [];
    if (req.createModel && (await ensureModel(tx, c.tenant, req.modelName))) events.push({ type: EVENT.modelCreated, model: req.modelName, payload: { actor: c.actor } });
    const n = await nextVersion(tx, c.tenant, req.modelName);
    await insertVersion(tx, c.tenant, {
      model: req.modelName,
      version: n,
      status,
      statusMessage: '',
      artifactId: artifact?.id ?? '',
      artifactSha256: artifact?.sha256 ?? '',
      artifactSize: artifact?.size ?? 0,
      formatVersion,
      signature: signature ? registry.Signature.toJSON(signature) : null,
      evaluation: req.evaluation ? evaluation.Evaluation.toJSON(req.evaluation) : null,
      metrics: req.evaluation?.metrics ?? {},
      hyperparameters: req.hyperparameters,
      trainingCurves: req.trainingCurves.map((e) => evaluation.EpochMetrics.toJSON(e)),
      lineage: req.lineage ? registry.Lineage.toJSON(req.lineage) : null,
      tags: req.tags,
      source: origin.source,
      description: req.description,
    });
    events.push({ type: EVENT.versionCreated, model: req.modelName, payload: { version: n, status, actor: c.actor } });
    await appendEvents(tx, c.tenant, events);
    return n;
  });
  return versionToProto(await getVersion(deps.db, c.tenant, req.modelName, version));
}

/** One version. NOT_FOUND. */
export async function findVersion(deps: CatalogDeps, c: Caller, model: string, version: number): Promise<registry.ModelVersion> {
  return versionToProto(await getVersion(deps.db, c.tenant, check.modelName(model), check.versionNumber(version)));
}

/** A model's versions, newest first, by tag, alias and metric thresholds, paginated. NOT_FOUND (model), INVALID_ARGUMENT. */
export async function searchVersions(deps: CatalogDeps, c: Caller, req: registry.ListModelVersionsRequest): Promise<registry.ListModelVersionsResponse> {
  check.modelName(req.modelName);
  const limit = pageSize(req.pageSize);
  const before = decodePageToken<number>('versions', req.pageToken, 'number');
  const filter = { ...check.tagFilter(req.tag), alias: req.alias, metrics: check.metricFilters(req.metrics), includeArchived: req.includeArchived, before, limit: limit + 1 };
  await getModel(deps.db, c.tenant, req.modelName);
  const rows = await listVersions(deps.db, c.tenant, req.modelName, filter);
  const page = rows.slice(0, limit);
  return { versions: page.map(versionToProto), nextPageToken: rows.length > limit ? encodePageToken('versions', page[page.length - 1].version) : '' };
}

/**
 * PENDING → READY or FAILED (repeating the current status is a no-op). With READY, an
 * artifact_id attaches the bundle to a version created without one.
 * NOT_FOUND, INVALID_ARGUMENT (status; not a bundle), FAILED_PRECONDITION (already final;
 * READY without artifact; a different artifact already attached).
 */
export async function updateStatus(deps: CatalogDeps, c: Caller, req: registry.UpdateModelVersionStatusRequest): Promise<registry.ModelVersion> {
  check.modelName(req.modelName);
  check.versionNumber(req.version);
  const status = statusFromProto(req.status);
  if (status !== 'READY' && status !== 'FAILED') throw InvalidArgumentError.field('status', 'must be READY or FAILED');
  const bundle = req.artifactId ? await resolveBundle(deps, c, req.artifactId) : undefined;
  if (bundle && status !== 'READY') throw InvalidArgumentError.field('artifact_id', 'is only taken with status READY');
  await deps.db.begin(async (tx) => {
    const row = await getVersion(tx, c.tenant, req.modelName, req.version, true);
    if (row.status === status && (!bundle || bundle.artifact.id === row.artifact_id)) return;
    if (row.status !== 'PENDING') throw new FailedPreconditionError(`version ${req.version} is already ${row.status}`);
    if (bundle && row.artifact_id && bundle.artifact.id !== row.artifact_id) throw new FailedPreconditionError(`version ${req.version} already has an artifact; artifacts are immutable`);
    if (status === 'READY' && !row.artifact_id && !bundle) throw new FailedPreconditionError(`version ${req.version} has no artifact, so it cannot be READY`);
    if (bundle && !row.artifact_id) {
      const signature = row.signature ? undefined : bundle.signature;
      await attachArtifact(tx, c.tenant, req.modelName, req.version, { ...bundle.artifact, format: bundle.format, signature: signature ? registry.Signature.toJSON(signature) : undefined });
    }
    await setStatus(tx, c.tenant, req.modelName, req.version, status, req.statusMessage);
    await appendEvents(tx, c.tenant, [{ type: EVENT.versionUpdated, model: req.modelName, payload: { version: req.version, status, actor: c.actor } }]);
  });
  return findVersion(deps, c, req.modelName, req.version);
}

/** Soft-deletes a version (idempotent). NOT_FOUND, FAILED_PRECONDITION while an alias points at it. */
export async function archive(deps: CatalogDeps, c: Caller, model: string, version: number): Promise<registry.ModelVersion> {
  check.modelName(model);
  check.versionNumber(version);
  await deps.db.begin(async (tx) => {
    await lockModel(tx, c.tenant, model);
    const row = await getVersion(tx, c.tenant, model, version, true);
    if (row.archived) return;
    const aliases = await aliasesOf(tx, c.tenant, model, version);
    if (aliases.length) throw new FailedPreconditionError(`version ${version} of ${model} is aliased (${aliases.join(', ')}); move or delete the alias first`);
    await archiveVersion(tx, c.tenant, model, version);
    await appendEvents(tx, c.tenant, [{ type: EVENT.versionArchived, model, payload: { version, status: row.status, actor: c.actor } }]);
  });
  return findVersion(deps, c, model, version);
}
