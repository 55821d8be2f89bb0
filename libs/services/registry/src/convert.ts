import { evaluation, registry } from '@cityml/proto';
import type { AliasChangeRow, EventRow, ModelRow, StatusText, VersionRow } from './store/sql';

const { ModelVersionStatus, ModelEventType } = registry;

/** Stored status text → proto enum. */
export function statusToProto(s: StatusText): registry.ModelVersionStatus {
  return s === 'READY' ? ModelVersionStatus.MODEL_VERSION_STATUS_READY : s === 'FAILED' ? ModelVersionStatus.MODEL_VERSION_STATUS_FAILED : ModelVersionStatus.MODEL_VERSION_STATUS_PENDING;
}

/** Proto enum → stored status text (undefined for UNSPECIFIED). */
export function statusFromProto(s: registry.ModelVersionStatus): StatusText | undefined {
  switch (s) {
    case ModelVersionStatus.MODEL_VERSION_STATUS_READY:
      return 'READY';
    case ModelVersionStatus.MODEL_VERSION_STATUS_FAILED:
      return 'FAILED';
    case ModelVersionStatus.MODEL_VERSION_STATUS_PENDING:
      return 'PENDING';
    default:
      return undefined;
  }
}

/** A models row → registry.v1.Model. */
export function modelToProto(r: ModelRow): registry.Model {
  return {
    name: r.name,
    description: r.description,
    tags: r.tags ?? {},
    latestVersion: r.latest_version,
    aliases: r.aliases ?? {},
    createTime: r.create_time,
    updateTime: r.update_time,
  };
}

/** A versions row → registry.v1.ModelVersion. */
export function versionToProto(r: VersionRow): registry.ModelVersion {
  return {
    modelName: r.model,
    version: r.version,
    status: statusToProto(r.status),
    statusMessage: r.status_message,
    artifactId: r.artifact_id,
    artifactSha256: r.artifact_sha256,
    artifactSize: r.artifact_size,
    formatVersion: r.format_version,
    signature: r.signature ? registry.Signature.fromJSON(r.signature) : undefined,
    evaluation: r.evaluation ? evaluation.Evaluation.fromJSON(r.evaluation) : undefined,
    hyperparameters: r.hyperparameters ?? {},
    trainingCurves: (r.training_curves ?? []).map((c) => evaluation.EpochMetrics.fromJSON(c)),
    lineage: r.lineage ? registry.Lineage.fromJSON(r.lineage) : undefined,
    tags: r.tags ?? {},
    aliases: r.aliases ?? [],
    archived: r.archived,
    source: r.source,
    description: r.description,
    createTime: r.create_time,
  };
}

/** An alias_history row → registry.v1.AliasChange. */
export function changeToProto(r: AliasChangeRow): registry.AliasChange {
  return { alias: r.alias, fromVersion: r.from_version, toVersion: r.to_version, actor: r.actor, time: r.time };
}

/** Event type names as stored. */
export const EVENT = {
  modelCreated: 'MODEL_CREATED',
  versionCreated: 'VERSION_CREATED',
  versionUpdated: 'VERSION_UPDATED',
  versionArchived: 'VERSION_ARCHIVED',
  aliasSet: 'ALIAS_SET',
  aliasDeleted: 'ALIAS_DELETED',
} as const;

/** An events row → registry.v1.ModelEvent. */
export function eventToProto(r: EventRow): registry.ModelEvent {
  const type = registry.modelEventTypeFromJSON(`MODEL_EVENT_TYPE_${r.type}`);
  return {
    sequence: r.sequence,
    type: type === ModelEventType.UNRECOGNIZED ? ModelEventType.MODEL_EVENT_TYPE_UNSPECIFIED : type,
    modelName: r.model,
    version: r.payload.version ?? 0,
    alias: r.payload.alias ?? '',
    previousVersion: r.payload.previousVersion ?? 0,
    actor: r.payload.actor ?? '',
    time: r.time,
    status: r.payload.status ? statusToProto(r.payload.status) : ModelVersionStatus.MODEL_VERSION_STATUS_UNSPECIFIED,
  };
}
