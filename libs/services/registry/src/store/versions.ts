import { NotFoundError } from '@cityml/runtime';
import { json, type StatusText, type Sql, type VersionRow } from './sql';

/** The columns of a version, with the aliases that point at it. */
function versionColumns(sql: Sql) {
  return sql`v.tenant, v.model, v.version, v.status, v.status_message, v.artifact_id, v.artifact_sha256, v.artifact_size,
    v.format_version, v.signature, v.evaluation, v.metrics, v.hyperparameters, v.training_curves, v.lineage, v.tags,
    v.archived, v.source, v.description, v.create_time,
    coalesce((select array_agg(a.alias order by a.alias) from registry.aliases a
      where a.tenant = v.tenant and a.model = v.model and a.version = v.version), '{}'::text[]) as aliases`;
}

/** What a new version row holds (JSON columns already in their stored JSON form). */
export interface NewVersion {
  model: string;
  version: number;
  status: StatusText;
  statusMessage: string;
  artifactId: string;
  artifactSha256: string;
  artifactSize: number;
  formatVersion: string;
  signature: unknown;
  evaluation: unknown;
  metrics: Record<string, number>;
  hyperparameters: Record<string, string>;
  trainingCurves: unknown[];
  lineage: unknown;
  tags: Record<string, string>;
  source: string;
  description: string;
}

/** Inserts a version row. */
export async function insertVersion(sql: Sql, tenant: string, v: NewVersion): Promise<void> {
  await sql`insert into registry.versions (tenant, model, version, status, status_message, artifact_id, artifact_sha256, artifact_size,
      format_version, signature, evaluation, metrics, hyperparameters, training_curves, lineage, tags, source, description)
    values (${tenant}, ${v.model}, ${v.version}, ${v.status}, ${v.statusMessage}, ${v.artifactId}, ${v.artifactSha256}, ${v.artifactSize},
      ${v.formatVersion}, ${json(v.signature)}::jsonb, ${json(v.evaluation)}::jsonb, ${json(v.metrics)}::jsonb, ${json(v.hyperparameters)}::jsonb,
      ${json(v.trainingCurves)}::jsonb, ${json(v.lineage)}::jsonb, ${json(v.tags)}::jsonb, ${v.source}, ${v.description})`;
}

/** One version (optionally row-locked). NOT_FOUND when it does not exist in the tenant. */
export async function getVersion(sql: Sql, tenant: string, model: string, version: number, lock = false): Promise<VersionRow> {
  const [row] = lock
    ? await sql<VersionRow[]>`select ${versionColumns(sql)} from registry.versions v where v.tenant = ${tenant} and v.model = ${model} and v.version = ${version} for update of v`
    : await sql<VersionRow[]>`select ${versionColumns(sql)} from registry.versions v where v.tenant = ${tenant} and v.model = ${model} and v.version = ${version}`;
  if (!row) throw new NotFoundError(`version ${version} of model ${JSON.stringify(model)} not found`);
  return row;
}

/** Sets a version's status. */
export async function setStatus(sql: Sql, tenant: string, model: string, version: number, status: StatusText, message: string): Promise<void> {
  await sql`update registry.versions set status = ${status}, status_message = ${message}, update_time = date_trunc('milliseconds', now())
    where tenant = ${tenant} and model = ${model} and version = ${version}`;
}

/** Attaches the artifact of a version created without one (and its signature, when it had none). */
export async function attachArtifact(sql: Sql, tenant: string, model: string, version: number, a: { id: string; sha256: string; size: number; format: string; signature?: unknown }): Promise<void> {
  await sql`update registry.versions set artifact_id = ${a.id}, artifact_sha256 = ${a.sha256}, artifact_size = ${a.size}, format_version = ${a.format},
      signature = coalesce(signature, ${json(a.signature)}::jsonb), update_time = date_trunc('milliseconds', now())
    where tenant = ${tenant} and model = ${model} and version = ${version} and artifact_id = ''`;
}

/** Marks a version archived. */
export async function archiveVersion(sql: Sql, tenant: string, model: string, version: number): Promise<void> {
  await sql`update registry.versions set archived = true, update_time = date_trunc('milliseconds', now())
    where tenant = ${tenant} and model = ${model} and version = ${version}`;
}

/** A metric threshold; `op` is one of the four comparisons. */
export interface MetricThreshold {
  metric: string;
  op: '<' | '<=' | '>' | '>=';
  value: number;
}

/** Filters of {@link listVersions}. */
export interface VersionFilter {
  tagKey?: string;
  tagValue?: string;
  alias: string;
  metrics: MetricThreshold[];
  includeArchived: boolean;
  /** Versions strictly below this number (the page position; newest first). */
  before?: number;
  limit: number;
}

function metricCondition(sql: Sql, m: MetricThreshold) {
  const value = sql`(v.metrics ->> ${m.metric})::float8`;
  switch (m.op) {
    case '<':
      return sql`${value} < ${m.value}`;
    case '<=':
      return sql`${value} <= ${m.value}`;
    case '>':
      return sql`${value} > ${m.value}`;
    case '>=':
      return sql`${value} >= ${m.value}`;
  }
}

/** Versions of a model, newest first, filtered. */
export async function listVersions(sql: Sql, tenant: string, model: string, f: VersionFilter): Promise<VersionRow[]> {
  const conds = [sql`v.tenant = ${tenant}`, sql`v.model = ${model}`];
  if (!f.includeArchived) conds.push(sql`not v.archived`);
  if (f.tagKey !== undefined) conds.push(f.tagValue === undefined ? sql`v.tags ? ${f.tagKey}` : sql`v.tags @> ${json({ [f.tagKey]: f.tagValue })}::jsonb`);
  if (f.alias) conds.push(sql`exists (select 1 from registry.aliases a where a.tenant = v.tenant and a.model = v.model and a.version = v.version and a.alias = ${f.alias})`);
  for (const m of f.metrics) conds.push(metricCondition(sql, m));
  if (f.before !== undefined) conds.push(sql`v.version < ${f.before}`);
  const where = conds.reduce((acc, c) => sql`${acc} and ${c}`);
  return sql<VersionRow[]>`select ${versionColumns(sql)} from registry.versions v where ${where} order by v.version desc limit ${f.limit}`;
}

/** The version an alias points at, read in one statement (one snapshot), or undefined. */
export async function versionOfAlias(sql: Sql, tenant: string, model: string, alias: string): Promise<VersionRow | undefined> {
  const [row] = await sql<VersionRow[]>`select ${versionColumns(sql)} from registry.aliases al
    join registry.versions v on v.tenant = al.tenant and v.model = al.model and v.version = al.version
    where al.tenant = ${tenant} and al.model = ${model} and al.alias = ${alias}`;
  return row;
}
