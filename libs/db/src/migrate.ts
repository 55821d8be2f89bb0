import { createHash } from 'node:crypto';
import type { Db } from './pool';

/** One numbered SQL migration of a service's schema. */
export interface Migration {
  /** e.g. "001_init"; applied in this order. */
  name: string;
  sql: string;
}

/** A service's schema and its migrations. */
export interface SchemaMigrations {
  schema: string;
  migrations: Migration[];
}

const LOCK_KEY = 0x63_69_74_79; // "city": one advisory lock for every CityML migration

/**
 * Applies pending migrations of each schema, in order, in one transaction under a
 * Postgres advisory lock: idempotent, and safe when many replicas start at once.
 * A migration whose text changed after it was applied is an error.
 */
export async function migrate(db: Db, sets: SchemaMigrations[]): Promise<string[]> {
  const applied: string[] = [];
  // One transaction under a transaction-scoped advisory lock: a replica that starts at the
  // same time waits, then finds everything applied. A failing migration applies nothing.
  await db.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(${LOCK_KEY})`;
    await tx`create schema if not exists cityml_meta`;
    await tx`create table if not exists cityml_meta.migrations (
      schema_name text not null, name text not null, checksum text not null,
      applied_at timestamptz not null default now(), primary key (schema_name, name))`;
    for (const set of sets) {
      const done = new Map<string, string>();
      for (const r of await tx<{ name: string; checksum: string }[]>`select name, checksum from cityml_meta.migrations where schema_name = ${set.schema}`) {
        done.set(r.name, r.checksum);
      }
      for (const m of [...set.migrations].sort((a, b) => a.name.localeCompare(b.name))) {
        const checksum = createHash('sha256').update(m.sql).digest('hex');
        const prior = done.get(m.name);
        if (prior === checksum) continue;
        if (prior) throw new Error(`migration ${set.schema}/${m.name} changed after it was applied`);
        await tx.unsafe(`create schema if not exists ${set.schema}`);
        await tx.unsafe(m.sql);
        await tx`insert into cityml_meta.migrations (schema_name, name, checksum) values (${set.schema}, ${m.name}, ${checksum})`;
        applied.push(`${set.schema}/${m.name}`);
      }
    }
  });
  return applied;
}
