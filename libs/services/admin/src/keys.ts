import { generateApiKey, type Role } from '@cityml/runtime';
import type { ApiKeyRow, AuthStore } from './store';

/** A key just issued: its row and the secret, which exists only here (show it once). */
export interface IssuedApiKey {
  row: ApiKeyRow;
  key: string;
}

export interface IssueOptions {
  tenant: string;
  role: Role;
  platformAdmin?: boolean;
  expiresAt?: Date;
  description?: string;
  createdBy?: string;
}

/**
 * Generates a key (256 random bits), stores only its sha256 and returns the secret once.
 * @throws NotFoundError for an unknown tenant.
 */
export async function issueApiKey(store: AuthStore, o: IssueOptions): Promise<IssuedApiKey> {
  const g = generateApiKey();
  const row = await store.createKey({ id: g.id, tenant: o.tenant, role: o.role, platformAdmin: o.platformAdmin, hash: g.hash, prefix: g.prefix, description: o.description, createdBy: o.createdBy, expiresAt: o.expiresAt });
  return { row, key: g.key };
}

/**
 * Local mode's first start: creates `tenant` (if missing) and a platform-admin key of it
 * (role admin), and returns the secret.
 */
export async function bootstrapAdminKey(store: AuthStore, tenant = 'default'): Promise<IssuedApiKey> {
  await store.ensureTenant(tenant);
  return issueApiKey(store, { tenant, role: 'admin', platformAdmin: true, description: 'bootstrap admin key (cityml up)', createdBy: 'local' });
}
