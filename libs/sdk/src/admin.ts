import { admin } from '@cityml/proto';
import { callOptions, createClient, unary, type ConnectionOptions } from './core';

/** A role of an API key, lowest to highest. */
export type ApiKeyRole = 'reader' | 'writer' | 'admin';

const ROLE: Record<ApiKeyRole, admin.Role> = { reader: admin.Role.ROLE_READER, writer: admin.Role.ROLE_WRITER, admin: admin.Role.ROLE_ADMIN };

/** An API key as listed (never its secret). */
export interface ApiKeyInfo {
  id: string;
  tenant: string;
  role: ApiKeyRole | 'unknown';
  prefix: string;
  description: string;
  platformAdmin: boolean;
  createdBy: string;
  createTime?: Date;
  expireTime?: Date;
  revokeTime?: Date;
}

/** A tenant. */
export interface TenantInfo {
  name: string;
  displayName: string;
  createTime?: Date;
}

function keyInfo(k: admin.ApiKey | undefined): ApiKeyInfo {
  const role = (Object.keys(ROLE) as ApiKeyRole[]).find((r) => ROLE[r] === k?.role) ?? 'unknown';
  return {
    id: k?.id ?? '',
    tenant: k?.tenant ?? '',
    role,
    prefix: k?.prefix ?? '',
    description: k?.description ?? '',
    platformAdmin: k?.platformAdmin ?? false,
    createdBy: k?.createdBy ?? '',
    createTime: k?.createTime,
    expireTime: k?.expireTime,
    revokeTime: k?.revokeTime,
  };
}

/**
 * Typed client of the admin service (cityml.admin.v1.AdminService): tenants and API keys.
 * Calls end with UNAUTHENTICATED (bad key), PERMISSION_DENIED (role too low; tenants need
 * a platform administrator), INVALID_ARGUMENT (a bad name, role or expiry), NOT_FOUND
 * (a tenant or key the caller cannot see) or ALREADY_EXISTS (a taken tenant name).
 */
export class AdminClient {
  /** The generated grpc-js client, for calls this class does not wrap. */
  readonly raw: admin.AdminServiceClient;

  constructor(readonly options: ConnectionOptions) {
    this.raw = createClient(admin.AdminServiceClient, options);
  }

  /** Creates a tenant (platform administrators only). */
  async createTenant(name: string, displayName = ''): Promise<TenantInfo> {
    const res = await unary(this.raw.createTenant.bind(this.raw), { name, displayName }, callOptions(this.options));
    return { name: res.tenant?.name ?? name, displayName: res.tenant?.displayName ?? '', createTime: res.tenant?.createTime };
  }

  /** Every tenant (platform administrators only). */
  async listTenants(): Promise<TenantInfo[]> {
    const res = await unary(this.raw.listTenants.bind(this.raw), {}, callOptions(this.options));
    return res.tenants.map((t) => ({ name: t.name, displayName: t.displayName, createTime: t.createTime }));
  }

  /**
   * Creates an API key and returns its secret, which is shown this once. `tenant`
   * defaults to the caller's own.
   */
  async createApiKey(options: { role: ApiKeyRole; tenant?: string; expiresAt?: Date; description?: string }): Promise<{ key: ApiKeyInfo; secret: string }> {
    const res = await unary(
      this.raw.createApiKey.bind(this.raw),
      { tenant: options.tenant ?? '', role: ROLE[options.role] ?? admin.Role.ROLE_UNSPECIFIED, expireTime: options.expiresAt, description: options.description ?? '' },
      callOptions(this.options),
    );
    return { key: keyInfo(res.apiKey), secret: res.secret };
  }

  /** The keys of a tenant (default: the caller's own), without secrets. */
  async listApiKeys(options: { tenant?: string; includeRevoked?: boolean } = {}): Promise<ApiKeyInfo[]> {
    const res = await unary(this.raw.listApiKeys.bind(this.raw), { tenant: options.tenant ?? '', includeRevoked: options.includeRevoked ?? false }, callOptions(this.options));
    return res.apiKeys.map(keyInfo);
  }

  /** Revokes a key by id; every replica refuses it from its next call on. Idempotent. */
  async revokeApiKey(id: string): Promise<ApiKeyInfo> {
    const res = await unary(this.raw.revokeApiKey.bind(this.raw), { id }, callOptions(this.options));
    return keyInfo(res.apiKey);
  }

  close(): void {
    this.raw.close();
  }
}
