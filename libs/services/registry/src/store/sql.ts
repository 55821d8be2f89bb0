import type { Db, TransactionSql } from '@cityml/db';

/** A pool or a transaction: every store function runs on either. */
export type Sql = Db | TransactionSql<Record<string, never>>;

/** A registry.models row. */
export interface ModelRow {
  tenant: string;
  name: string;
  description: string;
  tags: Record<string, string>;
  latest_version: number;
  aliases: Record<string, number>;
  create_time: Date;
  update_time: Date;
}

/** Status of a version as stored. */
export type StatusText = 'PENDING' | 'READY' | 'FAILED';

/** A registry.versions row (with the aliases that point at it). */
export interface VersionRow {
  tenant: string;
  model: string;
  version: number;
  status: StatusText;
  status_message: string;
  artifact_id: string;
  artifact_sha256: string;
  artifact_size: number;
  format_version: string;
  signature: unknown;
  evaluation: unknown;
  metrics: Record<string, number>;
  hyperparameters: Record<string, string>;
  training_curves: unknown[];
  lineage: unknown;
  tags: Record<string, string>;
  archived: boolean;
  source: string;
  description: string;
  aliases: string[];
  create_time: Date;
}

/** A registry.alias_history row. */
export interface AliasChangeRow {
  id: number;
  alias: string;
  from_version: number;
  to_version: number;
  actor: string;
  time: Date;
}

/** A registry.events row. */
export interface EventRow {
  sequence: number;
  type: string;
  model: string;
  payload: { version?: number; alias?: string; previousVersion?: number; actor?: string; status?: StatusText };
  time: Date;
}

/**
 * A value for a jsonb parameter (`${json(v)}::jsonb`): postgres.js serializes it with
 * JSON.stringify because the statement types the parameter as jsonb.
 */
export function json(value: unknown): never {
  return (value ?? null) as never;
}
