import type { registry } from '@cityml/proto';
import { FailedPreconditionError, InvalidArgumentError, NotFoundError } from '@cityml/runtime';
import type { Caller, CatalogDeps } from './catalog';
import { changeToProto, EVENT, versionToProto } from './convert';
import { decodePageToken, encodePageToken, pageSize } from './page-token';
import * as store from './store/aliases';
import { appendEvents } from './store/events';
import { getModel, lockModel } from './store/models';
import type { Sql } from './store/sql';
import { getVersion, versionOfAlias } from './store/versions';
import * as check from './validate';

/** The result of moving an alias. */
export interface AliasMove {
  alias: string;
  version: number;
  previousVersion: number;
}

/**
 * Moves an alias inside a transaction that holds the model's row lock: the target must
 * be READY and not archived; `expected` (when given) must be the current version.
 */
async function move(tx: Sql, c: Caller, model: string, alias: string, version: number, expected?: number): Promise<AliasMove> {
  const target = await getVersion(tx, c.tenant, model, version);
  if (target.archived) throw new FailedPreconditionError(`version ${version} of ${model} is archived`);
  if (target.status !== 'READY') throw new FailedPreconditionError(`version ${version} of ${model} is ${target.status}, not READY`);
  const current = await store.aliasVersion(tx, c.tenant, model, alias);
  if (expected !== undefined && expected !== current) {
    throw new FailedPreconditionError(
      current ? `alias ${alias} of ${model} points at version ${current}, not ${expected}` : `alias ${alias} of ${model} does not exist (expected version ${expected})`,
    );
  }
  if (current === version) return { alias, version, previousVersion: current };
  await store.upsertAlias(tx, c.tenant, model, alias, version);
  await store.recordChange(tx, c.tenant, { model, alias, from: current, to: version, actor: c.actor });
  await appendEvents(tx, c.tenant, [{ type: EVENT.aliasSet, model, payload: { alias, version, previousVersion: current, actor: c.actor } }]);
  return { alias, version, previousVersion: current };
}

/**
 * Points an alias at a version, atomically (readers see the old or the new version,
 * never neither). With `expectedVersion` it is a compare-and-set (0 = the alias must
 * not exist). NOT_FOUND, INVALID_ARGUMENT, FAILED_PRECONDITION (stale expected version;
 * target archived or not READY).
 */
export async function setAlias(deps: CatalogDeps, c: Caller, req: registry.SetAliasRequest): Promise<AliasMove> {
  check.modelName(req.modelName);
  check.aliasName(req.alias);
  check.versionNumber(req.version);
  if (req.expectedVersion !== undefined && (!Number.isSafeInteger(req.expectedVersion) || req.expectedVersion < 0)) {
    throw InvalidArgumentError.field('expected_version', 'must be a version number or 0');
  }
  return deps.db.begin(async (tx) => {
    await lockModel(tx, c.tenant, req.modelName);
    return move(tx, c, req.modelName, req.alias, req.version, req.expectedVersion);
  });
}

/** Removes an alias. NOT_FOUND (model or alias). */
export async function deleteAlias(deps: CatalogDeps, c: Caller, model: string, alias: string): Promise<void> {
  check.modelName(model);
  check.aliasName(alias);
  await deps.db.begin(async (tx) => {
    await lockModel(tx, c.tenant, model);
    const current = await store.aliasVersion(tx, c.tenant, model, alias);
    if (!current) throw new NotFoundError(`alias ${alias} of model ${model} not found`);
    await store.deleteAlias(tx, c.tenant, model, alias);
    await store.recordChange(tx, c.tenant, { model, alias, from: current, to: 0, actor: c.actor });
      await appendEvents(tx, c.tenant, [{ type: EVENT.aliasDeleted, model, payload: { alias, previousVersion: current, actor: c.actor } }]);
  });
}

/** The version an alias points at. NOT_FOUND (model or alias). */
export async function versionByAlias(deps: CatalogDeps, c: Caller, model: string, alias: string): Promise<registry.ModelVersion> {
  check.modelName(model);
  check.aliasName(alias);
  const row = await versionOfAlias(deps.db, c.tenant, model, alias);
  if (!row) {
    await getModel(deps.db, c.tenant, model);
    throw new NotFoundError(`alias ${alias} of model ${model} not found`);
  }
  return versionToProto(row);
}

/**
 * Alias changes, newest first, paginated; with `at` (and an alias) also the version the
 * alias pointed at then (0 = none). NOT_FOUND (model), INVALID_ARGUMENT.
 */
export async function history(deps: CatalogDeps, c: Caller, req: registry.ListAliasHistoryRequest): Promise<registry.ListAliasHistoryResponse> {
  check.modelName(req.modelName);
  if (req.alias) check.aliasName(req.alias);
  if (req.at && !req.alias) throw InvalidArgumentError.field('alias', 'is required with at');
  const limit = pageSize(req.pageSize);
  const beforeId = decodePageToken<number>(`history:${req.alias}`, req.pageToken, 'number');
  await getModel(deps.db, c.tenant, req.modelName);
  const rows = await store.listChanges(deps.db, c.tenant, req.modelName, { alias: req.alias, beforeId, limit: limit + 1 });
  const page = rows.slice(0, limit);
  const versionAt = req.at ? await store.versionAt(deps.db, c.tenant, req.modelName, req.alias, req.at) : 0;
  return {
    changes: page.map(changeToProto),
    versionAt,
    nextPageToken: rows.length > limit ? encodePageToken(`history:${req.alias}`, page[page.length - 1].id) : '',
  };
}

/**
 * Moves an alias back to the version it pointed at before its last change (so a second
 * rollback undoes the first). NOT_FOUND, FAILED_PRECONDITION (no earlier version, or it
 * is archived or not READY).
 */
export async function rollback(deps: CatalogDeps, c: Caller, model: string, alias: string): Promise<AliasMove> {
  check.modelName(model);
  check.aliasName(alias);
  return deps.db.begin(async (tx) => {
    await lockModel(tx, c.tenant, model);
    const last = await store.lastChange(tx, c.tenant, model, alias);
    if (!last) throw new NotFoundError(`alias ${alias} of model ${model} has no history`);
    if (!last.from_version) throw new FailedPreconditionError(`alias ${alias} of ${model} has no version before its last change`);
    return move(tx, c, model, alias, last.from_version, last.to_version);
  });
}
