-- The admin service's schema: tenants and API keys. Only the sha256 of a key is kept.
create table if not exists auth.tenants (
  name         text primary key check (name ~ '^[a-z][a-z0-9-]{0,62}$'),
  display_name text not null default '',
  created_at   timestamptz not null default now()
);

create table if not exists auth.api_keys (
  id             text primary key check (id ~ '^key_[0-9a-f]{16}$'),
  tenant         text not null references auth.tenants (name),
  role           text not null check (role in ('reader', 'writer', 'admin')),
  platform_admin boolean not null default false,
  key_hash       bytea not null unique check (length(key_hash) = 32),
  prefix         text not null,
  description    text not null default '',
  created_by     text not null default '',
  created_at     timestamptz not null default now(),
  expires_at     timestamptz,
  revoked_at     timestamptz
);
create index if not exists api_keys_tenant on auth.api_keys (tenant, created_at);

-- Every change to a key tells every replica's key cache (channel auth_keys, payload:
-- the key's hash in hex), whoever made it, so a revocation holds on the next call.
create or replace function auth.notify_key_change() returns trigger language plpgsql as $$
begin
  if tg_op = 'DELETE' then
    perform pg_notify('auth_keys', encode(old.key_hash, 'hex'));
  else
    perform pg_notify('auth_keys', encode(new.key_hash, 'hex'));
  end if;
  return null;
end $$;

drop trigger if exists api_keys_notify on auth.api_keys;
create trigger api_keys_notify after insert or update or delete on auth.api_keys
  for each row execute function auth.notify_key_change();
