import type { AliasChangeRow, Sql } from './sql';

/** The version an alias points at now, or 0 when it does not exist. */
export async function aliasVersion(sql: Sql, tenant: string, model: string, alias: string): Promise<number> {
  const [row] = await sql<{ version: number }[]>`select version from registry.aliases where tenant = ${tenant} and model = ${model} and alias = ${alias}`;
  return row?.version ?? 0;
}

/** Aliases pointing at one version. */
export async function aliasesOf(sql: Sql, tenant: string, model: string, version: number): Promise<string[]> {
  const rows = await sql<{ alias: string }[]>`select alias from registry.aliases where tenant = ${tenant} and model = ${model} and version = ${version} order by alias`;
  return rows.map((r) => r.alias);
}

/** Points an alias at a version (one upserted row: readers always see exactly one version). */
export async function upsertAlias(sql: Sql, tenant: string, model: string, alias: string, version: number): Promise<void> {
  await sql`insert into registry.aliases (tenant, model, alias, version) values (${tenant}, ${model}, ${alias}, ${version})
    on conflict (tenant, model, alias) do update set version = excluded.version, update_time = date_trunc('milliseconds', now())`;
}

/** Deletes an alias. */
export async function deleteAlias(sql: Sql, tenant: string, model: string, alias: string): Promise<void> {
  await sql`delete from registry.aliases where tenant = ${tenant} and model = ${model} and alias = ${alias}`;
}

/** Records an alias change (time truncated to milliseconds, the precision of the API's timestamps). */
export async function recordChange(sql: Sql, tenant: string, c: { model: string; alias: string; from: number; to: number; actor: string }): Promise<void> {
  await sql`insert into registry.alias_history (tenant, model, alias, from_version, to_version, actor, time)
    values (${tenant}, ${c.model}, ${c.alias}, ${c.from}, ${c.to}, ${c.actor}, date_trunc('milliseconds', clock_timestamp()))`;
}

/** Alias changes of a model, newest first (`alias` '' = every alias; `beforeId` = page position). */
export async function listChanges(sql: Sql, tenant: string, model: string, f: { alias: string; beforeId?: number; limit: number }): Promise<AliasChangeRow[]> {
  const conds = [sql`tenant = ${tenant}`, sql`model = ${model}`];
  if (f.alias) conds.push(sql`alias = ${f.alias}`);
  if (f.beforeId !== undefined) conds.push(sql`id < ${f.beforeId}`);
  const where = conds.reduce((acc, c) => sql`${acc} and ${c}`);
  return sql<AliasChangeRow[]>`select id, alias, from_version, to_version, actor, time from registry.alias_history
    where ${where} order by id desc limit ${f.limit}`;
}

/** The last change of an alias, if any. */
export async function lastChange(sql: Sql, tenant: string, model: string, alias: string): Promise<AliasChangeRow | undefined> {
  const [row] = await sql<AliasChangeRow[]>`select id, alias, from_version, to_version, actor, time from registry.alias_history
    where tenant = ${tenant} and model = ${model} and alias = ${alias} order by id desc limit 1`;
  return row;
}

/** The version an alias pointed at, at a point in time (0 = none). */
export async function versionAt(sql: Sql, tenant: string, model: string, alias: string, at: Date): Promise<number> {
  const [row] = await sql<{ to_version: number }[]>`select to_version from registry.alias_history
    where tenant = ${tenant} and model = ${model} and alias = ${alias} and time <= ${at} order by time desc, id desc limit 1`;
  return row?.to_version ?? 0;
}
