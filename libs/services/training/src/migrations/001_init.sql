-- The training service's schema. Every row carries its tenant; every query is scoped by it.
-- A job's queue state (attempts, lease) lives in queue.jobs under the same id; this table
-- holds what the job is and what it produced.
create table if not exists training.jobs (
  id                     text primary key,
  tenant                 text not null,
  state                  text not null default 'queued'
                         check (state in ('queued', 'running', 'done', 'failed', 'cancelled')),
  feature_set_id         text not null,
  task                   text not null,
  dataset                text not null default '',
  dataset_version        bigint not null default 0,
  model_spec             jsonb not null,
  hyperparameters        jsonb not null,
  model_name             text not null,
  promote                boolean not null default false,
  promotion_margin       double precision not null default 0,
  attempt                integer not null default 0,
  max_attempts           integer not null,
  epoch                  integer not null default 0,
  total_epochs           integer not null,
  history                jsonb not null default '[]'::jsonb,
  evaluation             jsonb,
  model_version          bigint not null default 0,
  production_version     bigint not null default 0,
  blessed                boolean not null default false,
  blessing_reason        text not null default '',
  promoted               boolean not null default false,
  error                  text not null default '',
  backend                text not null default '',
  checkpoint_artifact_id text not null default '',
  checkpoint_epoch       integer not null default 0,
  resumed_from_epoch     integer not null default 0,
  stopped_early          boolean not null default false,
  best_epoch             integer not null default 0,
  create_time            timestamptz not null default now(),
  start_time             timestamptz,
  train_start_time       timestamptz,
  end_time               timestamptz,
  update_time            timestamptz not null default now()
);

create index if not exists jobs_by_tenant on training.jobs (tenant, create_time desc, id desc);
create index if not exists jobs_by_model on training.jobs (tenant, model_name, create_time desc);
