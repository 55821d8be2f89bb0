import type { CallContext, Principal, Role } from '../context';
import { PermissionDeniedError } from '../errors';

/**
 * What an RPC needs: a tenant role (reader < writer < admin), or `platform` (a platform
 * administrator: the bootstrap key of `cityml up`, or the platform service identity).
 */
export type Access = Role | 'platform';

const RANK: Record<Role, number> = { reader: 0, writer: 1, admin: 2 };

/** True when `role` is at least `needed`. */
export function roleAtLeast(role: Role, needed: Role): boolean {
  return RANK[role] >= RANK[needed];
}

/**
 * The one table of who may call what: every RPC of every CityML service, by full method
 * path. A spec derives the list of methods from the generated service definitions and
 * fails when one is missing here; docs/security.md is generated from this table.
 * Methods absent from the table (a new RPC not yet classified) need `admin`.
 */
export const RPC_ACCESS: Readonly<Record<string, Access>> = Object.freeze({
  // ingestion
  '/cityml.ingestion.v1.IngestionService/CreateDataset': 'writer',
  '/cityml.ingestion.v1.IngestionService/GetDataset': 'reader',
  '/cityml.ingestion.v1.IngestionService/ListDatasets': 'reader',
  '/cityml.ingestion.v1.IngestionService/DeleteDataset': 'admin',
  '/cityml.ingestion.v1.IngestionService/InferSchema': 'reader',
  '/cityml.ingestion.v1.IngestionService/IngestRows': 'writer',
  '/cityml.ingestion.v1.IngestionService/ReadRows': 'reader',
  '/cityml.ingestion.v1.IngestionService/ListVersions': 'reader',
  '/cityml.ingestion.v1.IngestionService/GetStatistics': 'reader',
  '/cityml.ingestion.v1.IngestionService/CompareVersions': 'reader',
  '/cityml.ingestion.v1.IngestionService/ListQuarantine': 'reader',
  // preprocessing
  '/cityml.preprocessing.v1.PreprocessingService/CreateFeatureSet': 'writer',
  '/cityml.preprocessing.v1.PreprocessingService/GetFeatureSet': 'reader',
  '/cityml.preprocessing.v1.PreprocessingService/ListFeatureSets': 'reader',
  '/cityml.preprocessing.v1.PreprocessingService/WatchFeatureSet': 'reader',
  '/cityml.preprocessing.v1.PreprocessingService/PreviewTransform': 'reader',
  // training
  '/cityml.training.v1.TrainingService/SubmitJob': 'writer',
  '/cityml.training.v1.TrainingService/GetJob': 'reader',
  '/cityml.training.v1.TrainingService/ListJobs': 'reader',
  '/cityml.training.v1.TrainingService/CancelJob': 'writer',
  '/cityml.training.v1.TrainingService/WatchJob': 'reader',
  // registry (moving a protected alias such as `production` also needs admin: see requireRole)
  '/cityml.registry.v1.RegistryService/CreateModel': 'writer',
  '/cityml.registry.v1.RegistryService/GetModel': 'reader',
  '/cityml.registry.v1.RegistryService/ListModels': 'reader',
  '/cityml.registry.v1.RegistryService/CreateModelVersion': 'writer',
  '/cityml.registry.v1.RegistryService/GetModelVersion': 'reader',
  '/cityml.registry.v1.RegistryService/ListModelVersions': 'reader',
  '/cityml.registry.v1.RegistryService/UpdateModelVersionStatus': 'writer',
  '/cityml.registry.v1.RegistryService/ArchiveModelVersion': 'admin',
  '/cityml.registry.v1.RegistryService/SetAlias': 'writer',
  '/cityml.registry.v1.RegistryService/DeleteAlias': 'writer',
  '/cityml.registry.v1.RegistryService/GetVersionByAlias': 'reader',
  '/cityml.registry.v1.RegistryService/ListAliasHistory': 'reader',
  '/cityml.registry.v1.RegistryService/RollbackAlias': 'writer',
  '/cityml.registry.v1.RegistryService/UploadArtifact': 'writer',
  '/cityml.registry.v1.RegistryService/DownloadArtifact': 'reader',
  '/cityml.registry.v1.RegistryService/ImportModelVersion': 'writer',
  '/cityml.registry.v1.RegistryService/WatchModels': 'reader',
  // inference
  '/cityml.inference.v1.InferenceService/Predict': 'reader',
  '/cityml.inference.v1.InferenceService/PredictStream': 'reader',
  '/cityml.inference.v1.InferenceService/ListLoadedModels': 'reader',
  // Open Inference Protocol (KServe v2)
  '/inference.GRPCInferenceService/ServerLive': 'reader',
  '/inference.GRPCInferenceService/ServerReady': 'reader',
  '/inference.GRPCInferenceService/ModelReady': 'reader',
  '/inference.GRPCInferenceService/ServerMetadata': 'reader',
  '/inference.GRPCInferenceService/ModelMetadata': 'reader',
  '/inference.GRPCInferenceService/ModelInfer': 'reader',
  // admin: tenants are the platform's, keys are their tenant admin's
  '/cityml.admin.v1.AdminService/CreateTenant': 'platform',
  '/cityml.admin.v1.AdminService/ListTenants': 'platform',
  '/cityml.admin.v1.AdminService/CreateApiKey': 'admin',
  '/cityml.admin.v1.AdminService/ListApiKeys': 'admin',
  '/cityml.admin.v1.AdminService/RevokeApiKey': 'admin',
});

/** What `method` needs ({@link RPC_ACCESS}; `admin` for a method not in the table). */
export function accessFor(method: string): Access {
  return RPC_ACCESS[method] ?? 'admin';
}

/** True when `principal` may call something that needs `access`. */
export function allows(principal: Principal, access: Access): boolean {
  if (access === 'platform') return principal.platformAdmin === true;
  return roleAtLeast(principal.role, access);
}

/**
 * The role check of every call, run before the handler.
 * @throws PermissionDeniedError when the principal's role is too low for `method`.
 */
export function authorize(principal: Principal, method: string): void {
  const access = accessFor(method);
  if (!allows(principal, access)) {
    const rpc = method.split('/').pop();
    throw new PermissionDeniedError(access === 'platform' ? `${rpc} needs a platform administrator` : `${rpc} needs the ${access} role (this key is ${principal.role})`);
  }
}

/**
 * A finer check inside a handler, e.g. moving the protected `production` alias:
 * `requireRole(ctx, 'admin', 'moving the production alias')`.
 * @throws PermissionDeniedError naming `reason` when the caller's role is lower.
 */
export function requireRole(ctx: Pick<CallContext, 'principal'>, role: Role, reason: string): void {
  if (!roleAtLeast(ctx.principal.role, role)) throw new PermissionDeniedError(`${reason} needs the ${role} role (this key is ${ctx.principal.role})`);
}
