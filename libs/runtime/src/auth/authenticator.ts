import type { Metadata } from '@grpc/grpc-js';
import type { Authenticator, Principal, Role } from '../context';
import { PermissionDeniedError, UnauthenticatedError } from '../errors';
import { bearerToken, hashApiKey, TENANT_NAME_PATTERN } from './keys';

/** What the key directory knows about one API key (looked up by the sha256 of the key). */
export interface KeyRecord {
  id: string;
  tenant: string;
  role: Role;
  platformAdmin: boolean;
  expiresAt?: Date;
  revokedAt?: Date;
}

/** What happened to a key: created (only "unknown" answers become stale) or changed/deleted. */
export type KeyChange = 'created' | 'changed';

/**
 * Where keys live (the admin service's `auth` schema). `subscribe` delivers a key hash
 * (hex) whenever that key is created or changes, and `onReset` whenever changes may have
 * been missed (e.g. after the listener reconnected); they drop cached entries.
 */
export interface KeyDirectory {
  lookup(hash: Buffer): Promise<KeyRecord | undefined>;
  subscribe(onChange: (hashHex: string, change: KeyChange) => void, onReset: () => void): Promise<{ close(): Promise<void> }>;
}

export interface ApiKeyAuthenticatorOptions {
  directory: KeyDirectory;
  /** The platform service identity's key (CITYML_SERVICE_KEY). */
  serviceKey?: string;
  /** Longest time an entry is trusted without a change notice (default 5 min). */
  maxAgeMs?: number;
  /** How long an unknown key is remembered as unknown (default 2 s; creation notices clear it too). */
  negativeTtlMs?: number;
  /** Most cached entries (default 10 000). */
  maxEntries?: number;
  /**
   * Most directory lookups in flight (default 8); more wait their turn. A flood of made-up
   * keys then cannot take the database pool from the services; cached keys never wait.
   */
  maxConcurrentLookups?: number;
  now?: () => number;
}

/** Metadata key through which a platform service names the tenant it acts for. */
export const ACT_FOR_TENANT_HEADER = 'x-cityml-tenant';

const ADMIN_SERVICE_PREFIX = '/cityml.admin.v1.AdminService/';

interface Entry {
  record?: KeyRecord;
  at: number;
}

/** An authenticator backed by API keys, with its cache. */
export interface ApiKeyAuthenticator {
  authenticate: Authenticator;
  /** Cached lookups, for tests and metrics. */
  readonly cacheSize: number;
  /** Database lookups made so far. */
  readonly lookups: number;
  /** Drops the cached entry of a key (hash, hex) at once, e.g. right after this process revoked it. */
  invalidate(hashHex: string): void;
  close(): Promise<void>;
}

function actForTenant(metadata: Metadata): string | undefined {
  const values = metadata.get(ACT_FOR_TENANT_HEADER);
  if (values.length === 0) return undefined;
  const v = String(values[0]);
  if (values.length > 1 || !TENANT_NAME_PATTERN.test(v)) throw new UnauthenticatedError(`malformed ${ACT_FOR_TENANT_HEADER} metadata`);
  return v;
}

/**
 * Checks `authorization: Bearer <key>` on every call. Known keys are answered from
 * memory; the directory is read only on a miss, and change notices (LISTEN/NOTIFY)
 * drop entries at once, so a revocation holds on the next call on every replica.
 * The service key yields a platform service principal that acts for the tenant named
 * in `x-cityml-tenant`; a tenant's key naming another tenant there is refused.
 *
 * Ends a call with UNAUTHENTICATED (missing, malformed, unknown, revoked or expired key)
 * or PERMISSION_DENIED (a tenant key naming another tenant).
 */
export async function createApiKeyAuthenticator(options: ApiKeyAuthenticatorOptions): Promise<ApiKeyAuthenticator> {
  const now = options.now ?? Date.now;
  const maxAge = options.maxAgeMs ?? 300_000;
  const negativeTtl = options.negativeTtlMs ?? 2_000;
  const maxEntries = options.maxEntries ?? 10_000;
  const maxLookups = options.maxConcurrentLookups ?? 8;
  let inFlight = 0;
  const waiting: (() => void)[] = [];
  const limited = async (hash: Buffer): Promise<KeyRecord | undefined> => {
    while (inFlight >= maxLookups) await new Promise<void>((r) => waiting.push(r));
    inFlight++;
    try {
      return await options.directory.lookup(hash);
    } finally {
      inFlight--;
      waiting.shift()?.();
    }
  };
  const serviceHash = options.serviceKey ? hashApiKey(options.serviceKey).toString('hex') : undefined;
  const cache = new Map<string, Entry>();
  const pending = new Map<string, Promise<KeyRecord | undefined>>();
  // Bumped by every change notice: a lookup that raced a notice is not cached.
  let epoch = 0;
  let createdEpoch = 0; // bumped by creations: only "unknown" answers are stale then
  let lookups = 0;

  const dropUnknown = () => {
    for (const [k, e] of cache) if (!e.record) cache.delete(k);
  };
  const invalidate = (hex: string) => {
    epoch++;
    cache.delete(hex);
    dropUnknown();
  };
  const subscription = await options.directory.subscribe(
    // A created key can only have been remembered as unknown; a cached record of it is already current.
    (hex, change) => (change === 'created' ? (createdEpoch++, dropUnknown()) : invalidate(hex)),
    () => {
      epoch++;
      cache.clear();
    },
  );

  const resolve = async (hex: string, hash: Buffer): Promise<KeyRecord | undefined> => {
    const hit = cache.get(hex);
    const t = now();
    if (hit && t - hit.at < (hit.record ? maxAge : negativeTtl)) return hit.record;
    let p = pending.get(hex);
    if (!p) {
      const started = epoch;
      const startedCreated = createdEpoch;
      lookups++;
      p = limited(hash).then((record) => {
        if (epoch === started && (record || createdEpoch === startedCreated)) {
          if (cache.size >= maxEntries) cache.delete(cache.keys().next().value as string);
          cache.set(hex, { record, at: now() });
        }
        return record;
      });
      p.finally(() => pending.delete(hex)).catch(() => undefined);
      pending.set(hex, p);
    }
    return p;
  };

  const authenticate: Authenticator = async (metadata, method) => {
    const token = bearerToken(metadata);
    const hash = hashApiKey(token);
    const hex = hash.toString('hex');
    const actFor = actForTenant(metadata);
    if (serviceHash !== undefined && hex === serviceHash) {
      // Outside the admin service (tenants and keys), a service acts for a tenant or not at all.
      if (actFor === undefined && !method.startsWith(ADMIN_SERVICE_PREFIX)) {
        throw new PermissionDeniedError(`a platform service must name the tenant it acts for (${ACT_FOR_TENANT_HEADER})`);
      }
      return { tenant: actFor ?? '', role: 'admin', subject: 'service', service: true, platformAdmin: true };
    }
    const record = await resolve(hex, hash);
    if (!record) throw new UnauthenticatedError('unknown API key');
    if (record.revokedAt) throw new UnauthenticatedError('API key revoked');
    if (record.expiresAt && record.expiresAt.getTime() <= now()) throw new UnauthenticatedError('API key expired');
    if (actFor !== undefined && actFor !== record.tenant) {
      throw new PermissionDeniedError(`only platform services may act for another tenant (${ACT_FOR_TENANT_HEADER})`);
    }
    const principal: Principal = { tenant: record.tenant, role: record.role, subject: record.id };
    if (record.platformAdmin) principal.platformAdmin = true;
    return principal;
  };

  return {
    authenticate,
    get cacheSize() {
      return cache.size;
    },
    get lookups() {
      return lookups;
    },
    invalidate,
    close: () => subscription.close(),
  };
}
