-- The ingestion service's schema. Every table that holds a tenant's resources carries its tenant.
-- Rows of a dataset live in their own table ingestion.rows_<dataset id hex> (created with the
-- dataset): one typed column c<i> per schema column, plus batch_seq and row_no.

create table if not exists ingestion.datasets (
  id             uuid primary key,
  tenant         text not null,
  name           text not null,
  description    text not null default '',
  schema         jsonb not null,
  labels         jsonb not null default '{}',
  rows_table     text not null,
  latest_version bigint not null default 0,
  row_count      bigint not null default 0,
  create_time    timestamptz not null default now(),
  update_time    timestamptz not null default now(),
  delete_time    timestamptz
);
-- Names are unique among a tenant's live datasets (a deleted name can be reused).
create unique index if not exists datasets_tenant_name on ingestion.datasets (tenant, name) where delete_time is null;

-- Allocated when a stream starts; rows carry it. A version maps to the batch_seq it committed.
create sequence if not exists ingestion.batch_seq;

-- One row per committed stream (= version).
create table if not exists ingestion.versions (
  tenant           text not null,
  dataset_id       uuid not null references ingestion.datasets (id),
  version          bigint not null,
  batch_seq        bigint not null,
  batch_id         text not null,
  content_sha256   text not null,
  row_count        bigint not null,
  batch_rows       bigint not null,
  quarantined_rows bigint not null,
  -- Merged statistics of versions 1..version (mergeable state: moments, sketches, counts).
  statistics       jsonb not null,
  create_time      timestamptz not null default now(),
  primary key (dataset_id, version),
  unique (dataset_id, batch_id)
);

-- Rows refused under the skip-invalid policy, with their reasons.
create table if not exists ingestion.quarantine (
  id          bigserial primary key,
  tenant      text not null,
  dataset_id  uuid not null references ingestion.datasets (id),
  version     bigint not null,
  batch_id    text not null,
  row_no      bigint not null,
  line        bigint not null default 0,
  column_name text not null,
  reason      text not null,
  raw_json    text not null
);
create index if not exists quarantine_dataset on ingestion.quarantine (dataset_id, version, id);
