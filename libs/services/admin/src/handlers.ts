import { admin } from '@cityml/proto';
import {
  InvalidArgumentError,
  NotFoundError,
  TENANT_NAME_PATTERN,
  type AsyncService,
  type CallContext,
  type Role,
} from '@cityml/runtime';
import { issueApiKey } from './keys';
import type { ApiKeyRow, AuthStore } from './store';

const ROLE_FROM_PROTO: Partial<Record<admin.Role, Role>> = {
  [admin.Role.ROLE_READER]: 'reader',
  [admin.Role.ROLE_WRITER]: 'writer',
  [admin.Role.ROLE_ADMIN]: 'admin',
};
const ROLE_TO_PROTO: Record<Role, admin.Role> = { reader: admin.Role.ROLE_READER, writer: admin.Role.ROLE_WRITER, admin: admin.Role.ROLE_ADMIN };
const KEY_ID = /^key_[0-9a-f]{16}$/;
const MAX_TEXT = 500;

function checkTenantName(field: string, name: string): void {
  if (!TENANT_NAME_PATTERN.test(name)) throw InvalidArgumentError.field(field, 'must match ^[a-z][a-z0-9-]{0,62}$ (lower-case letters, digits, dashes)');
}

function checkText(field: string, text: string): void {
  if (text.length > MAX_TEXT) throw InvalidArgumentError.field(field, `at most ${MAX_TEXT} characters`);
}

/**
 * The tenant a key call works on: the caller's own, or (platform administrators only)
 * any named one. Another tenant is NOT_FOUND, the same answer as a missing one.
 */
function targetTenant(ctx: CallContext, requested: string): string {
  const tenant = requested || ctx.principal.tenant;
  if (!tenant) throw InvalidArgumentError.field('tenant', 'required for a platform service identity');
  checkTenantName('tenant', tenant);
  if (tenant !== ctx.principal.tenant && !ctx.principal.platformAdmin) throw new NotFoundError(`tenant "${tenant}" not found`);
  return tenant;
}

function toProto(k: ApiKeyRow): admin.ApiKey {
  return {
    id: k.id,
    tenant: k.tenant,
    role: ROLE_TO_PROTO[k.role],
    prefix: k.prefix,
    description: k.description,
    createTime: k.createdAt,
    expireTime: k.expiresAt,
    revokeTime: k.revokedAt,
    platformAdmin: k.platformAdmin,
    createdBy: k.createdBy,
  };
}

/** The AdminService handlers (roles are checked by the runtime's table before these run). */
export function adminHandlers(store: AuthStore, onKeyChanged: (hashHex: string) => void = () => undefined) {
  return {
    /** INVALID_ARGUMENT (name), ALREADY_EXISTS. */
    async createTenant(req, _ctx) {
      checkTenantName('name', req.name);
      checkText('display_name', req.displayName);
      const t = await store.createTenant(req.name, req.displayName);
      return { tenant: { name: t.name, displayName: t.displayName, createTime: t.createdAt } };
    },

    async listTenants(_req, _ctx) {
      const tenants = await store.listTenants();
      return { tenants: tenants.map((t) => ({ name: t.name, displayName: t.displayName, createTime: t.createdAt })) };
    },

    /** INVALID_ARGUMENT (role, expire_time, description), NOT_FOUND (tenant). */
    async createApiKey(req, ctx) {
      const tenant = targetTenant(ctx, req.tenant);
      const role = ROLE_FROM_PROTO[req.role];
      if (!role) throw InvalidArgumentError.field('role', 'one of ROLE_READER, ROLE_WRITER, ROLE_ADMIN');
      if (req.expireTime && req.expireTime.getTime() <= Date.now()) throw InvalidArgumentError.field('expire_time', 'must be in the future');
      checkText('description', req.description);
      const issued = await issueApiKey(store, { tenant, role, expiresAt: req.expireTime, description: req.description, createdBy: ctx.principal.subject });
      ctx.log.info({ keyId: issued.row.id, tenant, role }, 'API key created');
      return { apiKey: toProto(issued.row), secret: issued.key };
    },

    /** NOT_FOUND (tenant). */
    async listApiKeys(req, ctx) {
      const tenant = targetTenant(ctx, req.tenant);
      if (!(await store.tenantExists(tenant))) throw new NotFoundError(`tenant "${tenant}" not found`);
      return { apiKeys: (await store.listKeys(tenant, req.includeRevoked)).map(toProto) };
    },

    /** INVALID_ARGUMENT (id), NOT_FOUND (no such key in the caller's tenant). */
    async revokeApiKey(req, ctx) {
      if (!KEY_ID.test(req.id)) throw InvalidArgumentError.field('id', 'an API key id, "key_" + 16 hex digits');
      const row = await store.revokeKey(req.id, ctx.principal.platformAdmin ? undefined : ctx.principal.tenant);
      if (!row) throw new NotFoundError(`API key "${req.id}" not found`);
      onKeyChanged(row.hash.toString('hex'));
      ctx.log.info({ keyId: row.id, tenant: row.tenant }, 'API key revoked');
      return { apiKey: toProto(row) };
    },
  } satisfies AsyncService<typeof admin.AdminServiceService>;
}
