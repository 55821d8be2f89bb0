-- The registry service's schema. Every table that holds a tenant's resources carries its tenant,
-- and every query is scoped by it.

-- Registered models; latest_version numbers the versions (bumped in the creating transaction).
create table if not exists registry.models (
  tenant         text        not null,
  name           text        not null,
  description    text        not null default '',
  tags           jsonb       not null default '{}',
  latest_version bigint      not null default 0,
  create_time    timestamptz not null default date_trunc('milliseconds', now()),
  update_time    timestamptz not null default date_trunc('milliseconds', now()),
  primary key (tenant, name)
);

-- Model versions: immutable artifact (a CityML model bundle) plus metadata.
create table if not exists registry.versions (
  tenant          text        not null,
  model           text        not null,
  version         bigint      not null,
  status          text        not null check (status in ('PENDING', 'READY', 'FAILED')),
  status_message  text        not null default '',
  artifact_id     text        not null default '',
  artifact_sha256 text        not null default '',
  artifact_size   bigint      not null default 0,
  format_version  text        not null default '',
  signature       jsonb,
  evaluation      jsonb,
  -- evaluation.metrics, for metric-threshold search.
  metrics         jsonb       not null default '{}',
  hyperparameters jsonb       not null default '{}',
  training_curves jsonb       not null default '[]',
  lineage         jsonb,
  tags            jsonb       not null default '{}',
  archived        boolean     not null default false,
  source          text        not null default 'trained',
  description     text        not null default '',
  create_time     timestamptz not null default date_trunc('milliseconds', now()),
  update_time     timestamptz not null default date_trunc('milliseconds', now()),
  primary key (tenant, model, version),
  foreign key (tenant, model) references registry.models (tenant, name)
);
create index if not exists versions_tags on registry.versions using gin (tags);
create index if not exists models_tags on registry.models using gin (tags);

-- alias → version (one row per alias; upserted, so readers always see exactly one version).
create table if not exists registry.aliases (
  tenant      text        not null,
  model       text        not null,
  alias       text        not null,
  version     bigint      not null,
  update_time timestamptz not null default date_trunc('milliseconds', now()),
  primary key (tenant, model, alias),
  foreign key (tenant, model, version) references registry.versions (tenant, model, version)
);
create index if not exists aliases_version on registry.aliases (tenant, model, version);

-- Every alias change (0 = none): who, when, from which version to which.
create table if not exists registry.alias_history (
  tenant       text        not null,
  id           bigserial   not null,
  model        text        not null,
  alias        text        not null,
  from_version bigint      not null,
  to_version   bigint      not null,
  actor        text        not null,
  time         timestamptz not null,
  primary key (tenant, id)
);
create index if not exists alias_history_lookup on registry.alias_history (tenant, model, alias, time);

-- Per-tenant event counter: its row lock, held to commit, makes sequences gapless and
-- committed in order, so a watcher reading "after sequence N" never skips an event.
create table if not exists registry.event_counters (
  tenant        text   primary key,
  last_sequence bigint not null
);

-- Change events, written in the same transaction as the change they describe.
create table if not exists registry.events (
  tenant   text        not null,
  sequence bigint      not null,
  type     text        not null,
  model    text        not null,
  payload  jsonb       not null,
  time     timestamptz not null default date_trunc('milliseconds', now()),
  primary key (tenant, sequence)
);
create index if not exists events_model on registry.events (tenant, model, sequence);
