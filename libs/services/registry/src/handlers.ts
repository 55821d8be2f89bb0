import type { ArtifactStore, Db } from '@cityml/db';
import type { registry } from '@cityml/proto';
import { requireRole, type AsyncService, type CallContext } from '@cityml/runtime';
import * as aliases from './aliases';
import { download, upload } from './artifacts';
import * as catalog from './catalog';
import { importVersion } from './import';
import { watchEvents, type EventHub } from './watch';

/** What the handlers need. */
export interface HandlerDeps {
  db: Db;
  artifacts: ArtifactStore;
  hub: EventHub;
}

/** The caller of a call: tenant from verified credentials (never the body), subject as actor. */
function caller(ctx: CallContext): catalog.Caller {
  return { tenant: ctx.principal.tenant, actor: ctx.principal.subject };
}

/** Aliases only a tenant admin may set, delete or roll back (PERMISSION_DENIED otherwise). */
const PROTECTED_ALIASES = new Set(['production']);
function guardAlias(ctx: CallContext, alias: string): void {
  if (PROTECTED_ALIASES.has(alias.toLowerCase())) requireRole(ctx, 'admin', `moving the protected alias "${alias}"`);
}

/** The RegistryService handlers: decode, call the domain, encode. */
export function registryHandlers(deps: HandlerDeps) {
  return {
    async createModel(req, ctx) {
      return { model: await catalog.createModel(deps, caller(ctx), req) };
    },
    async getModel(req, ctx) {
      return { model: await catalog.findModel(deps, caller(ctx), req.name) };
    },
    async listModels(req, ctx) {
      return catalog.searchModels(deps, caller(ctx), req);
    },
    async createModelVersion(req, ctx) {
      return { version: await catalog.createVersion(deps, caller(ctx), req) };
    },
    async getModelVersion(req, ctx) {
      return { version: await catalog.findVersion(deps, caller(ctx), req.modelName, req.version) };
    },
    async listModelVersions(req, ctx) {
      return catalog.searchVersions(deps, caller(ctx), req);
    },
    async updateModelVersionStatus(req, ctx) {
      return { version: await catalog.updateStatus(deps, caller(ctx), req) };
    },
    async archiveModelVersion(req, ctx) {
      return { version: await catalog.archive(deps, caller(ctx), req.modelName, req.version) };
    },
    async setAlias(req, ctx) {
      guardAlias(ctx, req.alias);
      return aliases.setAlias(deps, caller(ctx), req);
    },
    async deleteAlias(req, ctx) {
      guardAlias(ctx, req.alias);
      await aliases.deleteAlias(deps, caller(ctx), req.modelName, req.alias);
      return {};
    },
    async getVersionByAlias(req, ctx) {
      return { version: await aliases.versionByAlias(deps, caller(ctx), req.modelName, req.alias) };
    },
    async listAliasHistory(req, ctx) {
      return aliases.history(deps, caller(ctx), req);
    },
    async rollbackAlias(req, ctx) {
      guardAlias(ctx, req.alias);
      return aliases.rollback(deps, caller(ctx), req.modelName, req.alias);
    },
    async uploadArtifact(requests, ctx) {
      return upload(deps.artifacts, ctx.principal.tenant, requests);
    },
    downloadArtifact(req, ctx) {
      return download(deps.artifacts, ctx.principal.tenant, req.artifactId);
    },
    async importModelVersion(req, ctx) {
      return { version: await importVersion(deps, caller(ctx), req) };
    },
    watchModels(req, ctx) {
      return watchEvents(deps.db, deps.hub, ctx.principal.tenant, req, AbortSignal.any([ctx.signal, ctx.draining]));
    },
  } satisfies AsyncService<typeof registry.RegistryServiceService>;
}
