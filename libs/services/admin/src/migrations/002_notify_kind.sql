-- Key change notices say what happened: "insert|update|delete:" and the key's hash in
-- hex. A replica keeps a cached key on "insert" (only "unknown" answers are stale then).
create or replace function auth.notify_key_change() returns trigger language plpgsql as $$
begin
  if tg_op = 'DELETE' then
    perform pg_notify('auth_keys', 'delete:' || encode(old.key_hash, 'hex'));
  else
    perform pg_notify('auth_keys', lower(tg_op) || ':' || encode(new.key_hash, 'hex'));
  end if;
  return null;
end $$;
