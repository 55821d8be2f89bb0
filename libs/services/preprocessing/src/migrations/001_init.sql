-- The preprocessing service's schema. Every table that holds a tenant's resources carries its tenant.

-- A feature set: a dataset version materialized through a fitted feature spec.
-- (tenant, dataset, dataset_version, spec_hash) is unique, so the same request returns the
-- existing feature set. PENDING / RUNNING rows form the materialization queue: a runner
-- claims one with `for update skip locked` and holds a lease it renews while working.
create table preprocessing.feature_sets (
  tenant          text        not null,
  id              uuid        not null default gen_random_uuid(),
  dataset         text        not null,
  dataset_id      text        not null default '',
  dataset_version bigint      not null,
  spec_hash       text        not null check (spec_hash ~ '^[0-9a-f]{64}$'),
  -- The normalized FeatureSpec, protobuf-encoded (spec_hash is its sha256).
  spec            bytea       not null,
  state           text        not null default 'PENDING' check (state in ('PENDING', 'RUNNING', 'READY', 'FAILED')),
  progress        double precision not null default 0 check (progress between 0 and 1),
  error           text        not null default '',
  attempts        integer     not null default 0,
  lease_owner     text,
  lease_until     timestamptz,
  -- Set when READY: shapes, layout, names, class labels and artifact ids (see result.ts).
  result          jsonb,
  -- Millisecond precision, so page tokens (JS dates) compare exactly.
  created_at      timestamptz not null default date_trunc('milliseconds', clock_timestamp()),
  updated_at      timestamptz not null default now(),
  primary key (tenant, id),
  unique (tenant, dataset, dataset_version, spec_hash)
);

create index feature_sets_queue on preprocessing.feature_sets (created_at) where state in ('PENDING', 'RUNNING');
create index feature_sets_by_dataset on preprocessing.feature_sets (tenant, dataset, created_at desc, id);
