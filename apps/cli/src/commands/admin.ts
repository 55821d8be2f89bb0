import type { Command } from 'commander';
import type { ApiKeyInfo, ApiKeyRole } from '@cityml/sdk';
import { connect, withConnection, type ConnectionFlags } from '../connection';
import { fail, print, table, UsageError } from '../output';

const ROLES: ApiKeyRole[] = ['reader', 'writer', 'admin'];

/**
 * Parses `--expires`: a duration such as 30d, 12h, 90m, or an ISO 8601 time.
 * @throws UsageError for anything else or a time in the past.
 */
export function parseExpiry(value: string, now = Date.now()): Date {
  const m = /^(\d{1,6})([mhdw])$/.exec(value);
  const unit = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
  const at = m ? new Date(now + Number(m[1]) * unit[m[2] as keyof typeof unit]) : /^\d{4}-\d{2}-\d{2}/.test(value) ? new Date(value) : new Date(NaN);
  if (Number.isNaN(at.getTime())) throw new UsageError(`--expires: "${value}" is neither a duration (30d, 12h, 90m, 2w) nor an ISO time`);
  if (at.getTime() <= now) throw new UsageError(`--expires: ${at.toISOString()} is in the past`);
  return at;
}

const keyRow = (k: ApiKeyInfo) => ({
  id: k.id,
  tenant: k.tenant,
  role: k.role + (k.platformAdmin ? ' (platform)' : ''),
  prefix: k.prefix + '…',
  created: k.createTime?.toISOString(),
  expires: k.expireTime?.toISOString() ?? 'never',
  revoked: k.revokeTime?.toISOString() ?? '',
  description: k.description,
});

async function run(flags: ConnectionFlags, work: (c: ReturnType<typeof connect>) => Promise<void>): Promise<void> {
  const client = connect(flags);
  try {
    await work(client);
  } catch (err) {
    client.close();
    fail(err);
  }
  client.close();
}

/** `cityml admin`: tenants and API keys (`tenants create|list`, `keys create|list|revoke`). */
export function registerAdmin(program: Command): void {
  const adminCmd = program.command('admin').description('tenants and API keys');
  const tenants = adminCmd.command('tenants').description('tenants (platform administrators only)');
  withConnection(tenants.command('create').description('create a tenant').argument('<name>', 'lower-case letters, digits and dashes, e.g. transport').option('--display-name <text>', 'a human-readable name', '')).action(
    async (name: string, flags: ConnectionFlags & { displayName: string }) =>
      run(flags, async (c) => {
        const t = await c.admin.createTenant(name, flags.displayName);
        print(t, flags, (v) => `created tenant ${v.name}`);
      }),
  );
  withConnection(tenants.command('list').description('list tenants')).action(async (flags: ConnectionFlags) =>
    run(flags, async (c) => {
      const list = await c.admin.listTenants();
      print(list, flags, (v) => table(v.map((t) => ({ name: t.name, display_name: t.displayName, created: t.createTime?.toISOString() }))));
    }),
  );

  const keys = adminCmd.command('keys').description('API keys (a tenant admin manages its own tenant\'s keys)');
  withConnection(
    keys
      .command('create')
      .description('create an API key; its secret is printed once, store it now')
      .requiredOption('--role <role>', 'reader | writer | admin')
      .option('--tenant <name>', 'tenant of the key (default: your own)')
      .option('--expires <when>', 'a duration (30d, 12h, 90m, 2w) or an ISO time; default: never')
      .option('--description <text>', 'what the key is for', ''),
  ).action(async (flags: ConnectionFlags & { role: string; tenant?: string; expires?: string; description: string }) => {
    if (!ROLES.includes(flags.role as ApiKeyRole)) fail(new UsageError(`--role must be one of ${ROLES.join(', ')}`));
    let expiresAt: Date | undefined;
    try {
      expiresAt = flags.expires ? parseExpiry(flags.expires) : undefined;
    } catch (err) {
      fail(err);
    }
    await run(flags, async (c) => {
      const created = await c.admin.createApiKey({ role: flags.role as ApiKeyRole, tenant: flags.tenant, expiresAt, description: flags.description });
      print({ ...created.key, secret: created.secret }, flags, (v) =>
        [
          `created API key ${v.id} (tenant ${v.tenant}, role ${v.role}, expires ${v.expireTime?.toISOString() ?? 'never'})`,
          '',
          `  ${v.secret}`,
          '',
          'This is the only time the key is shown. Send it as "authorization: Bearer <key>" or set CITYML_API_KEY.',
        ].join('\n'),
      );
    });
  });
  withConnection(keys.command('list').description('list API keys (never their secrets)').option('--tenant <name>', 'tenant (default: your own)').option('--all', 'include revoked keys')).action(
    async (flags: ConnectionFlags & { tenant?: string; all?: boolean }) =>
      run(flags, async (c) => {
        const list = await c.admin.listApiKeys({ tenant: flags.tenant, includeRevoked: flags.all });
        print(list, flags, (v) => table(v.map(keyRow)));
      }),
  );
  withConnection(keys.command('revoke').description('revoke an API key: refused from its next call on, on every replica').argument('<id>', 'key id, e.g. key_0123456789abcdef')).action(
    async (id: string, flags: ConnectionFlags) =>
      run(flags, async (c) => {
        const k = await c.admin.revokeApiKey(id);
        print(k, flags, (v) => `revoked ${v.id} (tenant ${v.tenant}) at ${v.revokeTime?.toISOString()}`);
      }),
  );
}
