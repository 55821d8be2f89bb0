import postgres from 'postgres';

/** A postgres.js connection pool. */
export type Db = postgres.Sql<Record<string, never>>;
export type { TransactionSql } from 'postgres';

export interface DbOptions {
  max?: number;
  /** Application name shown in pg_stat_activity. */
  name?: string;
}

/** Opens a postgres.js pool. Notices are dropped; bigint columns come back as JS numbers. */
export function createDb(url: string, options: DbOptions = {}): Db {
  return postgres(url, {
    max: options.max ?? 10,
    idle_timeout: 30,
    connect_timeout: 10,
    onnotice: () => undefined,
    connection: { application_name: options.name ?? 'cityml' },
    types: {
      bigint: { to: 20, from: [20], serialize: (v: number | bigint) => String(v), parse: (v: string) => Number(v) },
    },
  }) as unknown as Db;
}

/** SQLSTATE of a unique violation, for translating to ALREADY_EXISTS at the store boundary. */
export const UNIQUE_VIOLATION = '23505';

/** True when `err` is a Postgres error with the given SQLSTATE. */
export function isPgError(err: unknown, code: string): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: string }).code === code;
}
