-- A small lease-and-heartbeat job queue shared by the services that run background work.
create table if not exists queue.jobs (
  id               text primary key,
  tenant           text not null,
  queue            text not null,
  payload          jsonb not null default '{}'::jsonb,
  state            text not null default 'queued'
                   check (state in ('queued', 'running', 'done', 'failed', 'cancelled')),
  attempts         integer not null default 0,
  max_attempts     integer not null default 3 check (max_attempts > 0),
  lease_owner      text,
  lease_expires_at timestamptz,
  run_after        timestamptz not null default now(),
  last_error       text,
  created_at       timestamptz not null default now(),
  updated_at       timestamptz not null default now()
);

create index if not exists jobs_claimable on queue.jobs (queue, run_after) where state = 'queued';
create index if not exists jobs_leased on queue.jobs (queue, lease_expires_at) where state = 'running';
create index if not exists jobs_tenant on queue.jobs (tenant, queue, created_at);
