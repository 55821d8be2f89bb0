import { isPgError, UNIQUE_VIOLATION } from '@cityml/db';
import { AlreadyExistsError, NotFoundError } from '@cityml/runtime';
import { json, type ModelRow, type Sql } from './sql';

/** The columns of a model, with its aliases as a map. */
function modelColumns(sql: Sql) {
  return sql`m.tenant, m.name, m.description, m.tags, m.latest_version, m.create_time, m.update_time,
    coalesce((select jsonb_object_agg(a.alias, a.version) from registry.aliases a
      where a.tenant = m.tenant and a.model = m.name), '{}'::jsonb) as aliases`;
}

/** Inserts a model. ALREADY_EXISTS when the name is taken in the tenant. */
export async function insertModel(sql: Sql, tenant: string, m: { name: string; description: string; tags: Record<string, string> }): Promise<void> {
  try {
    await sql`insert into registry.models (tenant, name, description, tags) values (${tenant}, ${m.name}, ${m.description}, ${json(m.tags)}::jsonb)`;
  } catch (err) {
    if (isPgError(err, UNIQUE_VIOLATION)) throw new AlreadyExistsError(`model ${JSON.stringify(m.name)} already exists`);
    throw err;
  }
}

/** Inserts a model unless it exists; true when it was created. */
export async function ensureModel(sql: Sql, tenant: string, name: string, description = ''): Promise<boolean> {
  const rows = await sql`insert into registry.models (tenant, name, description) values (${tenant}, ${name}, ${description})
    on conflict (tenant, name) do nothing returning name`;
  return rows.length > 0;
}

/** A model with its aliases. NOT_FOUND when it does not exist in the tenant. */
export async function getModel(sql: Sql, tenant: string, name: string): Promise<ModelRow> {
  const [row] = await sql<ModelRow[]>`select ${modelColumns(sql)} from registry.models m where m.tenant = ${tenant} and m.name = ${name}`;
  if (!row) throw new NotFoundError(`model ${JSON.stringify(name)} not found`);
  return row;
}

/**
 * Locks a model's row until the transaction ends (and marks it updated): every alias
 * change and archive of the model is serialized behind it. NOT_FOUND when it does not exist.
 */
export async function lockModel(sql: Sql, tenant: string, name: string): Promise<void> {
  const rows = await sql`update registry.models set update_time = date_trunc('milliseconds', now())
    where tenant = ${tenant} and name = ${name} returning name`;
  if (!rows.length) throw new NotFoundError(`model ${JSON.stringify(name)} not found`);
}

/**
 * Takes the model's next version number (row-locked until the transaction ends, so
 * concurrent creators get unique consecutive numbers). NOT_FOUND when there is no model.
 */
export async function nextVersion(sql: Sql, tenant: string, name: string): Promise<number> {
  const [row] = await sql<{ latest_version: number }[]>`update registry.models
    set latest_version = latest_version + 1, update_time = date_trunc('milliseconds', now())
    where tenant = ${tenant} and name = ${name} returning latest_version`;
  if (!row) throw new NotFoundError(`model ${JSON.stringify(name)} not found`);
  return row.latest_version;
}

/** Filters of {@link listModels}. */
export interface ModelFilter {
  namePrefix: string;
  tagKey?: string;
  tagValue?: string;
  alias: string;
  /** Names strictly after this one (the page position). */
  after?: string;
  limit: number;
}

/** Models of the tenant by name, filtered. */
export async function listModels(sql: Sql, tenant: string, f: ModelFilter): Promise<ModelRow[]> {
  const conds = [sql`m.tenant = ${tenant}`];
  if (f.namePrefix) conds.push(sql`starts_with(m.name, ${f.namePrefix})`);
  if (f.tagKey !== undefined) conds.push(f.tagValue === undefined ? sql`m.tags ? ${f.tagKey}` : sql`m.tags @> ${json({ [f.tagKey]: f.tagValue })}::jsonb`);
  if (f.alias) conds.push(sql`exists (select 1 from registry.aliases a where a.tenant = m.tenant and a.model = m.name and a.alias = ${f.alias})`);
  if (f.after !== undefined) conds.push(sql`m.name > ${f.after}`);
  const where = conds.reduce((acc, c) => sql`${acc} and ${c}`);
  return sql<ModelRow[]>`select ${modelColumns(sql)} from registry.models m where ${where} order by m.name limit ${f.limit}`;
}
