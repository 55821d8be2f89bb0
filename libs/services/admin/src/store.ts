import { isPgError, listen, UNIQUE_VIOLATION, type Db } from '@cityml/db';
import { AlreadyExistsError, NotFoundError, type KeyChange, type KeyDirectory, type KeyRecord, type Role } from '@cityml/runtime';

/** Channel on which every change to a key is announced (payload: its hash, hex). */
export const AUTH_KEYS_CHANNEL = 'auth_keys';

/** A tenant row. */
export interface TenantRow {
  name: string;
  displayName: string;
  createdAt: Date;
}

/** An API key row (never the secret: only its hash is stored, and not returned). */
export interface ApiKeyRow {
  id: string;
  tenant: string;
  role: Role;
  platformAdmin: boolean;
  prefix: string;
  description: string;
  createdBy: string;
  createdAt: Date;
  expiresAt?: Date;
  revokedAt?: Date;
  /** sha256 of the secret. */
  hash: Buffer;
}

/** What a new key row holds. */
export interface NewApiKey {
  id: string;
  tenant: string;
  role: Role;
  platformAdmin?: boolean;
  hash: Buffer;
  prefix: string;
  description?: string;
  createdBy?: string;
  expiresAt?: Date;
}

interface RawKey {
  id: string;
  tenant: string;
  role: Role;
  platform_admin: boolean;
  prefix: string;
  description: string;
  created_by: string;
  created_at: Date;
  expires_at: Date | null;
  revoked_at: Date | null;
  key_hash: Buffer;
}

const toKey = (r: RawKey): ApiKeyRow => ({
  id: r.id,
  tenant: r.tenant,
  role: r.role,
  platformAdmin: r.platform_admin,
  prefix: r.prefix,
  description: r.description,
  createdBy: r.created_by,
  createdAt: r.created_at,
  expiresAt: r.expires_at ?? undefined,
  revokedAt: r.revoked_at ?? undefined,
  hash: r.key_hash,
});

/** All SQL of the `auth` schema. Every statement is parameterized. */
export class AuthStore implements KeyDirectory {
  constructor(private readonly db: Db) {}

  /** @throws AlreadyExistsError when the name is taken. */
  async createTenant(name: string, displayName = ''): Promise<TenantRow> {
    try {
      const [r] = await this.db<{ name: string; display_name: string; created_at: Date }[]>`
        insert into auth.tenants (name, display_name) values (${name}, ${displayName}) returning name, display_name, created_at`;
      return { name: r.name, displayName: r.display_name, createdAt: r.created_at };
    } catch (err) {
      if (isPgError(err, UNIQUE_VIOLATION)) throw new AlreadyExistsError(`tenant "${name}" already exists`);
      throw err;
    }
  }

  /** Creates the tenant unless it exists. */
  async ensureTenant(name: string): Promise<void> {
    await this.db`insert into auth.tenants (name) values (${name}) on conflict (name) do nothing`;
  }

  async tenantExists(name: string): Promise<boolean> {
    const rows = await this.db`select 1 from auth.tenants where name = ${name}`;
    return rows.length > 0;
  }

  async listTenants(): Promise<TenantRow[]> {
    const rows = await this.db<{ name: string; display_name: string; created_at: Date }[]>`
      select name, display_name, created_at from auth.tenants order by name`;
    return rows.map((r) => ({ name: r.name, displayName: r.display_name, createdAt: r.created_at }));
  }

  /** Stores a key's hash and metadata. @throws NotFoundError for an unknown tenant. */
  async createKey(k: NewApiKey): Promise<ApiKeyRow> {
    try {
      const [r] = await this.db<RawKey[]>`
        insert into auth.api_keys (id, tenant, role, platform_admin, key_hash, prefix, description, created_by, expires_at)
        values (${k.id}, ${k.tenant}, ${k.role}, ${k.platformAdmin ?? false}, ${k.hash}, ${k.prefix}, ${k.description ?? ''}, ${k.createdBy ?? ''}, ${k.expiresAt ?? null})
        returning *`;
      return toKey(r);
    } catch (err) {
      if (isPgError(err, '23503')) throw new NotFoundError(`tenant "${k.tenant}" not found`);
      throw err;
    }
  }

  /** The keys of a tenant, newest first. */
  async listKeys(tenant: string, includeRevoked: boolean): Promise<ApiKeyRow[]> {
    const rows = await this.db<RawKey[]>`
      select * from auth.api_keys where tenant = ${tenant} and (${includeRevoked} or revoked_at is null) order by created_at desc, id`;
    return rows.map(toKey);
  }

  /** A key by id, scoped to `tenant` unless `tenant` is undefined (platform admin). */
  async getKey(id: string, tenant: string | undefined): Promise<ApiKeyRow | undefined> {
    const rows = await this.db<RawKey[]>`
      select * from auth.api_keys where id = ${id} and (${tenant ?? null}::text is null or tenant = ${tenant ?? null})`;
    return rows[0] ? toKey(rows[0]) : undefined;
  }

  /** Revokes a key (idempotent: an earlier revocation time is kept). */
  async revokeKey(id: string, tenant: string | undefined): Promise<ApiKeyRow | undefined> {
    const rows = await this.db<RawKey[]>`
      update auth.api_keys set revoked_at = coalesce(revoked_at, now())
      where id = ${id} and (${tenant ?? null}::text is null or tenant = ${tenant ?? null}) returning *`;
    return rows[0] ? toKey(rows[0]) : undefined;
  }

  /** True when a key with this hash exists and is usable now. */
  async keyIsValid(hash: Buffer): Promise<boolean> {
    const rows = await this.db`
      select 1 from auth.api_keys where key_hash = ${hash} and revoked_at is null and (expires_at is null or expires_at > now())`;
    return rows.length > 0;
  }

  /** {@link KeyDirectory.lookup}: the key check's one query, on a cache miss. */
  async lookup(hash: Buffer): Promise<KeyRecord | undefined> {
    const [r] = await this.db<RawKey[]>`
      select id, tenant, role, platform_admin, expires_at, revoked_at from auth.api_keys where key_hash = ${hash}`;
    if (!r) return undefined;
    return { id: r.id, tenant: r.tenant, role: r.role, platformAdmin: r.platform_admin, expiresAt: r.expires_at ?? undefined, revokedAt: r.revoked_at ?? undefined };
  }

  /** {@link KeyDirectory.subscribe}: LISTEN on {@link AUTH_KEYS_CHANNEL}; a re-listen resets the cache. */
  async subscribe(onChange: (hashHex: string, change: KeyChange) => void, onReset: () => void): Promise<{ close(): Promise<void> }> {
    let first = true;
    const parse = (payload: string) => {
      const [op, hex] = payload.includes(':') ? payload.split(':') : ['update', payload];
      onChange(hex, op === 'insert' ? 'created' : 'changed');
    };
    const sub = await listen(this.db, AUTH_KEYS_CHANNEL, parse, () => {
      if (!first) onReset();
      first = false;
    });
    return { close: () => sub.unlisten() };
  }
}
